"""Pure rules for victims and texts: normalisation, the repeat-check match, text transitions.

Phone numbers are read by config.phones, the product's one reading of a number.
Normalisation makes a household match however it was typed: "Flat 4, 12 Elm Rd., sw1a1aa"
and "flat 4 12 elm road" with "SW1A 1AA" are the same household.
"""

import re
from datetime import date
from typing import Any

from config.outbox import backoff_seconds
from config.phones import normalise_uk_mobile

# The UK postcode shape (outward code, inward code), including the GIR 0AA special case.
_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}\d[A-Z\d]?\d[A-Z]{2})$")
_WORDS = re.compile(r"[A-Z0-9]+")
# How a street or a flat is abbreviated, and the word the key keeps.
_ADDRESS_WORDS = {
    "RD": "ROAD",
    "ST": "STREET",
    "AVE": "AVENUE",
    "AV": "AVENUE",
    "LN": "LANE",
    "DR": "DRIVE",
    "CT": "COURT",
    "CRES": "CRESCENT",
    "CL": "CLOSE",
    "GDNS": "GARDENS",
    "PL": "PLACE",
    "SQ": "SQUARE",
    "TER": "TERRACE",
    "TCE": "TERRACE",
    "GRN": "GREEN",
    "GR": "GROVE",
    "PK": "PARK",
    "HSE": "HOUSE",
    "APARTMENT": "FLAT",
    "APT": "FLAT",
    "NO": "",
    "NUMBER": "",
}


def normalise_postcode(raw: str) -> str | None:
    """A UK postcode as Royal Mail prints it ("SW1A 1AA"), or None when it is not one."""
    compact = re.sub(r"\s", "", (raw or "").upper())
    if not _POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def normalise_address(raw: str, postcode: str = "") -> str:
    """The address as words: upper case, no punctuation, abbreviations spelt out, and the
    postcode dropped if the handler typed it into the address too."""
    words = _WORDS.findall((raw or "").upper())
    if postcode:
        pieces = postcode.split()
        # "SW1A 1AA" typed at the end of the address, with or without its space.
        if len(words) >= 2 and words[-2:] == pieces:
            words = words[:-2]
        elif words and words[-1] == "".join(pieces):
            words = words[:-1]
    spelt = (_ADDRESS_WORDS.get(word, word) for word in words)
    return " ".join(word for word in spelt if word)


def normalise_name(raw: str) -> str:
    """A name for matching: upper case, letters and spaces only, single spaces."""
    return " ".join(re.findall(r"[A-Z]+", (raw or "").upper().replace("'", "")))


def household_key(address: str, postcode: str) -> str:
    """The household: the normalised address within its postcode. Without a postcode there
    is no household key: "12 HIGH STREET" alone names a street in hundreds of towns."""
    postcode_norm = normalise_postcode(postcode) or ""
    address_norm = normalise_address(address, postcode_norm)
    if not postcode_norm or not address_norm:
        return ""
    return f"{postcode_norm}|{address_norm}"


def matched_on(
    candidate: Any, *, phone_e164: str, name_key: str, date_of_birth: date | None, household: str
) -> list[str]:
    """Which of rule 6's routes connect an earlier victim row to the one being linked."""
    routes = []
    if phone_e164 and candidate.phone_e164 == phone_e164:
        routes.append("phone")
    if date_of_birth and name_key and candidate.name_key == name_key and candidate.date_of_birth == date_of_birth:
        routes.append("name_dob")
    if household and candidate.household_key == household:
        routes.append("address")
    return routes


# Rule 7's transitions: the only moves a text's status makes.
TEXT_TRANSITIONS: dict[str, frozenset[str]] = {
    "queued": frozenset({"sent", "failed", "delivered"}),
    "sent": frozenset({"delivered", "failed"}),
    "delivered": frozenset(),
    "failed": frozenset(),
}


def text_can_move(current: str, new: str) -> bool:
    return new in TEXT_TRANSITIONS.get(current, frozenset())


# A text's first retry waits this long, then twice as long each time (config.outbox's backoff).
TEXT_RETRY_BASE_SECONDS = 30


def retry_delay_seconds(attempts: int) -> int:
    """How long a text waits after its `attempts`-th failed try: 30 s, 60 s, 120 s, ... capped."""
    return backoff_seconds(attempts, base=TEXT_RETRY_BASE_SECONDS)


def phone_masked(phone: str) -> str:
    """The number as the timeline shows it: the log is read widely, the number is the victim's."""
    return f"a mobile ending {phone[-3:]}" if len(phone) > 3 else "a mobile"


def date_of_birth_from_parts(day: str, month: str, year: str) -> tuple[date | None, str | None]:
    """The GOV.UK date input's three boxes as a date (None when all are blank), or an error
    message. The victim pages and the victim panel beside the assessment form read it here."""
    parts = [(p or "").strip() for p in (day, month, year)]
    if not any(parts):
        return None, None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0])), None
    except ValueError:
        return None, "Date of birth must be a real date, like 27 3 1985"


def mobile_for_prevention_text(phone: str) -> str:
    """The victim's number as Prevention's text would take it: the number as the handler typed
    it when it is a UK mobile, else "" (a landline cannot take a text). Filling it in does not
    confirm it is safe to text: the handler still ticks that, deliberately."""
    return phone if phone and normalise_uk_mobile(phone) else ""
