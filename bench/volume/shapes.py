"""The shape of a force's data: distributions, names and places, the answers of an assessment,
and the people who call (victims, some of them again). Pure Python: no database."""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from victims import rules as victim_rules

LONDON = ZoneInfo("Europe/London")

CHANNELS = (["999", "101", "online", "live_chat", "social_media", "front_counter"], [30, 45, 14, 5, 3, 3])
GRADINGS = (["immediate", "priority", "scheduled", "resolution_without_deployment"], [18, 37, 25, 20])
# Minutes from opening to closing, by grading (low, high).
CLOSE_MINUTES = {
    "immediate": (60, 480),
    "priority": (120, 1800),
    "scheduled": (1440, 7200),
    "resolution_without_deployment": (10, 120),
}
CATEGORY_WEIGHTS = {
    "asb": 14, "assault": 9, "burglary_business": 2, "burglary_dwelling": 5, "concern_for_safety": 13,
    "criminal_damage": 6, "domestic_abuse": 12, "fraud": 4, "harassment": 5, "hate_crime": 1, "missing_person": 4,
    "road_traffic_collision": 8, "suspicious_circumstances": 9, "theft": 6, "vehicle_crime": 2,
}  # fmt: skip
# Share of incidents with a victim linked, by category.
VICTIM_SHARE = {
    "assault": 0.9, "burglary_business": 0.6, "burglary_dwelling": 0.9, "criminal_damage": 0.7,
    "domestic_abuse": 0.95, "fraud": 0.8, "harassment": 0.85, "hate_crime": 0.9, "theft": 0.7, "vehicle_crime": 0.7,
}  # fmt: skip
# Local hours 00..23: quiet small hours, a late-afternoon and evening peak.
HOURLY = [3.0, 2.4, 1.8, 1.4, 1.1, 1.0, 1.3, 2.0, 3.0, 3.8, 4.2, 4.5, 4.7, 4.8, 4.9, 5.1, 5.4, 5.7, 5.9, 5.8, 5.4,
          4.9, 4.3, 3.6]  # fmt: skip
WEEKDAY = [1.0, 0.97, 0.97, 0.99, 1.08, 1.12, 1.05]  # Monday first: Friday and Saturday busiest
SUMMARIES = [
    "Caller reports a disturbance outside the address.",
    "Caller reports a break-in while they were out.",
    "Neighbour concerned for an elderly resident not seen for days.",
    "Caller reports threats from an ex-partner.",
    "Two-vehicle collision, no injuries reported.",
    "Shop staff report a shoplifter detained.",
    "Caller reports damage to their car overnight.",
    "Caller reports repeated abusive messages.",
    "Report of a suspicious person trying door handles.",
    "Caller reports money taken by a phone scam.",
]
STREETS = ["High Street", "Station Road", "Church Lane", "Park Avenue", "Victoria Road", "Mill Lane", "Green Close"]
TOWNS = [("Aldham", "AL"), ("Brockley", "BR"), ("Castleford", "CF"), ("Dunmore", "DN"), ("Eastwick", "EW")]
FIRST = ["Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo", "Grace", "Harry", "Zara",
         "Mohammed", "Priya", "Jack", "Chloe", "Tomasz", "Aisha", "Callum"]  # fmt: skip
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Khan", "Patel", "Evans", "Walker", "Wright",
        "Thompson", "Hughes", "O'Brien", "Kowalski", "Ahmed", "Roberts", "Green", "Hall", "Clarke"]  # fmt: skip
GRADES = (["outstanding", "good", "requires_improvement", "inadequate", "not_applicable"], [12, 55, 20, 5, 8])
CHECKS = (["yes", "no", "not_applicable"], [78, 12, 10])
SECTIONS = [
    "threat",
    "harm",
    "risk",
    "investigation",
    "vulnerability",
    "engagement",
    "scene_preservation",
    "prevention",
]


def answers(*, risk: str, grading: str, children: bool, send_link: bool, phone: str, variant: int) -> dict[str, Any]:
    """The answers of a complete assessment, in the shape of tests.factories.complete_answers."""
    detail = ["", " Caller calm now.", " History of two previous calls.", " Neighbour is with the caller."][variant % 4]
    return {
        "threat": "Ex-partner threatened to come back tonight." + detail,
        "harm": "Bruising to the arm; caller frightened." + (" Two children at home, heard the argument." * children),
        "risk": "Likely to return; history of previous calls." + detail,
        "investigation": "Suspect details taken; neighbour witnessed the incident.",
        "vulnerability": "Caller lives alone and has limited mobility." + detail,
        "engagement": "Officer to attend; caller told what to expect and when.",
        "children_involved": children,
        "voice_of_child": "Older child says they are scared when he visits." if children else "",
        "risk_level": risk,
        "grading": grading,
        "rationale": "Grading reflects the risk of further harm tonight." + detail,
        "scene_preservation": {
            "forensic_opportunities": ["yes", "no", "not_known"][variant % 3],
            "evidence_retainable": ["no", "yes", "not_known"][variant % 3],
            "csi_required": "not_known",
            "advice": "Do not clean up; keep items where they fell." if variant % 3 != 2 else "",
        },
        "prevention": {
            "advice": "Advised to keep doors locked and call 999 if he returns.",
            "send_link": send_link,
            "link_not_sent_reason": "" if send_link else "Not safe to text: the suspect may see the phone.",
            "safe_to_text_confirmed": send_link,
            "phone": phone if send_link else "",
        },
    }


@dataclass
class Person:
    """A victim who may call again: keys computed once, reused by repeat incidents."""

    name: str
    dob: str
    phone: str
    phone_e164: str
    name_key: str
    address: str
    postcode: str
    household_key: str
    # Earlier incidents of this person: (opened, reference, category code), for the check's matches.
    history: list[tuple[int, str, str]] = field(default_factory=list)


def make_person(rng: random.Random, households: list[tuple[str, str, str]]) -> Person:
    """A new victim: a name, a date of birth, most with a mobile, some at an address already known."""
    rand = rng.random
    name = f"{FIRST[int(rand() * len(FIRST))]} {LAST[int(rand() * len(LAST))]}"
    dob = f"{1940 + int(rand() * 66)}-{1 + int(rand() * 12):02d}-{1 + int(rand() * 28):02d}"
    has_phone = rand() < 0.9
    phone = f"07{100000000 + int(rand() * 899999999)}" if has_phone else ""
    if households and rand() < 0.15:  # someone at an address already known
        address, postcode, key = households[int(rand() * len(households))]
    else:
        town, area = TOWNS[int(rand() * len(TOWNS))]
        address = f"{1 + int(rand() * 300)} {STREETS[int(rand() * len(STREETS))]}, {town}"
        postcode = f"{area}{1 + int(rand() * 20)} {int(rand() * 10)}{'ABDEFGHJ'[int(rand() * 8)]}Q"
        # victims.rules.household_key, its two halves cached: an address here never ends with
        # its postcode, so the address normalises the same with or without it (the test checks).
        postcode_key, address_key = _postcode_key(postcode), _address_key(address)
        key = f"{postcode_key}|{address_key}" if postcode_key and address_key else ""
        households.append((address, postcode, key))
        if len(households) > 200000:
            del households[:50000]
    return Person(
        name=name,
        dob=dob,
        phone=phone,
        phone_e164=f"+44{phone[1:]}" if phone else "",  # config.phones.normalise_uk_phone of 07...
        name_key=_name_key(name),
        address=address,
        postcode=postcode,
        household_key=key,
    )


@functools.cache
def _postcode_key(postcode: str) -> str:
    return victim_rules.normalise_postcode(postcode) or ""


@functools.cache
def _address_key(address: str) -> str:
    return victim_rules.normalise_address(address)


@functools.cache
def _name_key(name: str) -> str:
    return victim_rules.normalise_name(name)


def cumulative(weights: Any) -> Any:
    total = 0.0
    for weight in weights:
        total += weight
        yield total
