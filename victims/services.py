"""Every write to victims: linking one with the repeat-victim check (rule 6), recording the
check's outcome, and erasure. The prevention advice and the texts are in victims/prevention.py."""

import logging
import re
from datetime import date
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from config.dates import local_month
from config.phones import PHONE_ERROR, normalise_uk_phone
from config.text import ERASED, free_text_errors
from incidents.models import EntryKind, Incident, LogEntry
from incidents.services import log_entry_write
from victims import rules
from victims.models import RepeatOutcome, Text, Victim
from victims.selectors import repeat_check_candidates
from victims.signals import victim_erasing

logger = logging.getLogger(__name__)

NAME_MAX = 150
ADDRESS_MAX = 300
NOTE_MAX = 2000


# --- Victims and the repeat-victim check (rule 6) -----------------------------------------


def _clean_victim(
    *, name: str, date_of_birth: date | None, phone: str, address: str, postcode: str, today: date
) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = ["Enter the victim's name"]
    elif len(name) > NAME_MAX:
        errors["name"] = [f"Name must be {NAME_MAX} characters or fewer"]
    if date_of_birth is not None and (date_of_birth > today or date_of_birth.year < 1900):
        errors["date_of_birth"] = ["Date of birth must be a real date in the past"]
    phone = (phone or "").strip()
    phone_e164 = ""
    if phone:
        phone_e164 = normalise_uk_phone(phone) or ""
        if not phone_e164:
            errors["phone"] = [PHONE_ERROR]
    address = " ".join((address or "").split())
    if len(address) > ADDRESS_MAX:
        errors["address"] = [f"Address must be {ADDRESS_MAX} characters or fewer"]
    postcode_norm = ""
    if (postcode or "").strip():
        postcode_norm = rules.normalise_postcode(postcode) or ""
        if not postcode_norm:
            errors["postcode"] = ["Enter a real UK postcode, like SW1A 1AA"]
    if address and not postcode_norm and "postcode" not in errors:
        errors["postcode"] = ["Enter the postcode with the address, so the household can be matched"]
    for field, messages in free_text_errors(name=name, address=address).items():
        errors.setdefault(field, messages)
    if not errors and not phone_e164 and date_of_birth is None and not address:
        message = "Give a phone number, a date of birth or an address, so the repeat-victim check can search"
        errors = {"phone": [message], "date_of_birth": [message], "address": [message]}
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "date_of_birth": date_of_birth,
        "phone": phone,
        "phone_e164": phone_e164,
        "address": address,
        "postcode": postcode_norm,
        "name_key": rules.normalise_name(name),
        "household_key": rules.household_key(address, postcode_norm),
    }


def repeat_check_matches(
    *,
    incident: Incident,
    phone_e164: str,
    name_key: str,
    date_of_birth: date | None,
    household_key: str,
) -> list[dict[str, Any]]:
    """Rule 6: earlier incidents in the look-back window linked to this person or household,
    newest first, each with what matched. One query over three partial indexes
    (victims.selectors.repeat_check_candidates, the rule's one search)."""
    candidates = repeat_check_candidates(
        incident=incident,
        phone_e164=phone_e164,
        name_key=name_key,
        date_of_birth=date_of_birth,
        household_key=household_key,
    )
    by_incident: dict[int, dict[str, Any]] = {}
    for candidate in candidates:
        matched = rules.matched_on(
            candidate,
            phone_e164=phone_e164,
            name_key=name_key,
            date_of_birth=date_of_birth,
            household=household_key,
        )
        entry = by_incident.setdefault(
            candidate.incident_id,
            {
                "reference": candidate.incident.reference,
                "opened_at": candidate.incident.opened_at.isoformat(),
                "category": candidate.incident.category.code,
                "category_name": candidate.incident.category.name,
                "matched_on": [],
                "people": [],
            },
        )
        for route in matched:
            if route not in entry["matched_on"]:
                entry["matched_on"].append(route)
        if candidate.name not in entry["people"]:
            entry["people"].append(candidate.name)
    order = ("phone", "name_dob", "address")
    for entry in by_incident.values():
        entry["matched_on"].sort(key=order.index)
    return list(by_incident.values())


def victim_link(
    *,
    incident: Incident,
    actor: User,
    name: str,
    date_of_birth: date | None = None,
    phone: str = "",
    address: str = "",
    postcode: str = "",
    request: HttpRequest | None = None,
) -> Victim:
    """Link a victim to an incident and run the repeat-victim check; both go on the log, and
    the collection goes in the audit log in the same transaction."""
    cleaned = _clean_victim(
        name=name,
        date_of_birth=date_of_birth,
        phone=phone,
        address=address,
        postcode=postcode,
        today=timezone.localdate(),
    )
    now = timezone.now()
    with transaction.atomic():
        matches = repeat_check_matches(
            incident=incident,
            phone_e164=cleaned["phone_e164"],
            name_key=cleaned["name_key"],
            date_of_birth=cleaned["date_of_birth"],
            household_key=cleaned["household_key"],
        )
        victim = Victim.objects.create(
            incident=incident,
            incident_opened_at=incident.opened_at,
            created_by=actor,
            checked_at=now,
            check_matches=matches,
            linked_month=local_month(now),
            **cleaned,
        )
        # The log names the victim by id only: it is read widely and kept whole, so nothing
        # personal is written into it (the details live on the victim's record, which
        # erasure can blank).
        log_entry_write(
            incident=incident,
            kind=EntryKind.VICTIM_LINKED,
            author=actor,
            at=now,
            text=f"{victim_label(victim.pk)} linked by {actor.display_name}.",
        )
        log_entry_write(
            incident=incident,
            kind=EntryKind.REPEAT_CHECK,
            author=actor,
            at=now,
            text=_check_summary(f"victim V{victim.pk}", matches),
        )
        _victim_audit(victim=victim, actor=actor, action=Action.COLLECT, request=request)
    return victim


def _victim_audit(*, victim: Victim, actor: User, action: str, request: HttpRequest | None) -> None:
    audit_record(
        actor=actor,
        action=action,
        object_type="victim",
        object_id=victim.pk,
        incident_reference=victim.incident.reference,
        request=request,
    )


def victim_label(pk: int) -> str:
    """How the incident log names a victim: by id ("Victim V123"), never by name."""
    return f"Victim V{pk}"


def _check_summary(who: str, matches: list[dict[str, Any]]) -> str:
    days = settings.REPEAT_VICTIM_LOOKBACK_DAYS
    if not matches:
        return f"Repeat victim check for {who}: no earlier incidents in the last {days} days."
    labels = {"phone": "phone", "name_dob": "name and date of birth", "address": "address"}
    listed = "; ".join(
        f"{m['reference']} ({m['category_name']}, by {' and '.join(labels[r] for r in m['matched_on'])})"
        for m in matches[:10]
    )
    more = f" and {len(matches) - 10} more" if len(matches) > 10 else ""
    return f"Repeat victim check for {who}: {len(matches)} earlier incident(s) in the last {days} days: {listed}{more}."


def victim_erase(*, victim: Victim, actor: User, reason: str) -> Victim:
    """Erase a victim's personal details (name, date of birth, phone, address, the look-up
    keys, the matches naming other people, the household note) and every copy of them
    (`_scrub_copies`): the incident's log entries, other victims' repeat-check matches, the
    phone on the incident's texts and in its assessments' prevention answers, the admin's
    history. What stays: that a victim was linked, when and by whom, and the outcome of the
    check. The audit log records the erasure and the reason, never the erased data. The
    assessments' free-text answers are the record of the decision and are kept whole (rule
    4); their retention follows the force's records policy, not this route."""
    reason = (reason or "").strip()
    if errors := free_text_errors(reason=reason, labels={"reason": "The reason"}):
        raise ValidationError(errors)
    if not reason:
        raise ValidationError({"reason": ["Give the reason for the erasure"]})
    with transaction.atomic():
        locked = Victim.objects.select_for_update().get(pk=victim.pk)
        if locked.erased_at is not None:
            return locked
        _scrub_copies(locked)
        now = timezone.now()
        Victim.objects.filter(pk=locked.pk).update(
            name="[erased]",
            date_of_birth=None,
            phone="",
            address="",
            postcode="",
            phone_e164="",
            name_key="",
            household_key="",
            check_matches=[],
            household_note="",
            erased_at=now,
            erased_by=actor,
        )
        log_entry_write(
            incident=locked.incident,
            kind=EntryKind.VICTIM_LINKED,
            author=actor,
            text=f"A victim's personal details were erased by {actor.display_name}.",
        )
        audit_record(
            actor=actor,
            action=Action.ERASE,
            object_type="victim",
            object_id=locked.pk,
            incident_reference=locked.incident.reference,
            description=reason[:300],
            channel="admin",
        )
    return Victim.objects.get(pk=locked.pk)


def _scrub(text: str, secrets: list[str]) -> str:
    """Each secret, as a whole word or phrase, replaced by [erased]."""
    for secret in secrets:
        text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", ERASED, text)
    return text


def _scrub_copies(victim: Victim) -> None:
    """Every place the victim's details were copied to, scrubbed before the record itself
    is blanked (victim_erase's transaction). New log entries name the victim by id, so the
    log part finds only entries written before that, or typed by hand (a note)."""
    secrets = [
        value
        for value in {victim.name, victim.phone, victim.phone_e164, victim.address, victim.household_note}
        if value and len(value.strip()) >= 2 and value != ERASED
    ]
    secrets.sort(key=len, reverse=True)  # the longest first: a name inside a note goes with the note
    # 1. The incident's log (the victim-linked and repeat-check entries, notes).
    if secrets:
        contains = Q()
        for secret in secrets:
            contains |= Q(text__contains=secret)
        for entry in LogEntry.objects.filter(contains, incident_id=victim.incident_id):
            scrubbed = _scrub(entry.text, secrets)
            if scrubbed != entry.text:
                LogEntry.objects.filter(pk=entry.pk).update(text=scrubbed)
    # 2. Later victims whose repeat check matched this one keep the match, not the name.
    if victim.name and victim.name != ERASED:
        later = Victim.objects.filter(incident_opened_at__gte=victim.incident_opened_at).exclude(pk=victim.pk)
        if connection.vendor == "postgresql":  # jsonb containment: only the rows that name them
            later = later.filter(check_matches__contains=[{"reference": victim.incident.reference}])
        for other in later.exclude(check_matches=[]).only("pk", "check_matches"):
            changed = False
            for match in other.check_matches:
                if match.get("reference") == victim.incident.reference and victim.name in match.get("people", []):
                    match["people"] = [ERASED if person == victim.name else person for person in match["people"]]
                    changed = True
            if changed:
                Victim.objects.filter(pk=other.pk).update(check_matches=other.check_matches)
    # 3. The phone: on the incident's texts to it, and (through the signal, in this
    # transaction) in its assessments' prevention answer (thrive.erasure).
    if victim.phone_e164:
        Text.objects.filter(incident_id=victim.incident_id, phone=victim.phone_e164).update(phone="")
        victim_erasing.send(sender=Victim, incident_id=victim.incident_id, phone_e164=victim.phone_e164)
    # 4. The admin's history named the record by its old string (the name).
    AdminLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Victim), object_id=str(victim.pk)
    ).update(object_repr=victim_label(victim.pk))


def victim_record_outcome(
    *, victim: Victim, actor: User, outcome: str, household_note: str = "", request: HttpRequest | None = None
) -> Victim:
    """The handler's conclusion from the check: repeat victim or not, household at risk."""
    errors: dict[str, list[str]] = {}
    if outcome not in {RepeatOutcome.REPEAT, RepeatOutcome.NOT_REPEAT}:
        errors["outcome"] = ["Select whether this is a repeat victim"]
    household_note = (household_note or "").strip()
    if len(household_note) > NOTE_MAX:
        errors["household_note"] = [f"The note must be {NOTE_MAX:,} characters or fewer"]
    for field, messages in free_text_errors(
        household_note=household_note, labels={"household_note": "The note"}
    ).items():
        errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Victim.objects.select_for_update().select_related("incident").get(pk=victim.pk)
        locked.outcome = outcome
        locked.household_note = household_note
        locked.outcome_by = actor
        locked.outcome_at = timezone.now()
        locked.save(update_fields=["outcome", "household_note", "outcome_by", "outcome_at"])
        # By id, and the household note stays on the victim's record (erasure blanks it there).
        text = f"Repeat victim check outcome for victim V{locked.pk}: {RepeatOutcome(outcome).label.lower()}"
        text += ". Household note recorded on the victim's record." if household_note else "."
        log_entry_write(incident=locked.incident, kind=EntryKind.REPEAT_CHECK, author=actor, text=text)
        _victim_audit(victim=locked, actor=actor, action=Action.ALTER, request=request)
    return locked
