"""Rule 14, the Victims' Code, in one place: to whom it applies, what counts as met, and the
one write of a victim's answers. The page, the API and the compliance figures
(qa.victims_code) all read these.

- It applies to a victim linked to an incident whose category the force has marked as a
  crime (`incidents.Category.crime`, kept by the administrator). The flag is read as it is
  now, so changing a category's flag changes which victims the figures count.
- Three answers, each required: was the victim told what happens next; offered a written
  acknowledgement of their report; given the support information (the Code's right to be
  referred to support services). The last may be "by the prevention text": the force's
  advice link counts as the support information only when a prevention text was asked for
  on this incident to this victim's own number (queued, sent or delivered; a failed text
  does not count). A text asked for to another number, or none, is a form error.
- Met: all three given (yes, yes, and yes or by text). The figures' denominator is every
  victim of crime linked in the month, recorded or not: an unrecorded victim is not met.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from config.errors import Blocked
from incidents.models import EntryKind
from incidents.services import log_entry_write
from victims.models import CodeAnswer, SupportAnswer, Text, TextStatus, Victim

# The answers that count as given, per question.
GIVEN: dict[str, tuple[str, ...]] = {
    "told_what_happens_next": (CodeAnswer.YES,),
    "written_acknowledgement_offered": (CodeAnswer.YES,),
    "support_information": (SupportAnswer.YES, SupportAnswer.TEXT),
}

# The questions as a person reads them, in order (page, log, exports' sheet).
QUESTIONS: dict[str, str] = {
    "told_what_happens_next": "Told what happens next",
    "written_acknowledgement_offered": "Offered a written acknowledgement",
    "support_information": "Given the support information",
}

NOT_A_CRIME = "not_a_crime"

# Victims the Code applies to (a queryset filter over Victim).
APPLIES_Q = Q(incident__category__crime=True)
# Victims for whom all three were given: the figures count these (qa.victims_code).
MET_Q = Q(
    told_what_happens_next__in=GIVEN["told_what_happens_next"],
    written_acknowledgement_offered__in=GIVEN["written_acknowledgement_offered"],
    support_information__in=GIVEN["support_information"],
)
RECORDED_Q = Q(victims_code_at__isnull=False)


def victims_code_applies(victim: Victim) -> bool:
    """Whether the victim is a victim of crime (the incident's category is a crime)."""
    return bool(victim.incident.category.crime)


def victims_code_met(victim: Victim) -> bool:
    """All three given: the same test as MET_Q, for one victim already loaded."""
    return all(getattr(victim, field) in answers for field, answers in GIVEN.items())


def _text_to_victim(victim: Victim) -> bool:
    """A prevention text was asked for on this incident to the victim's own number, and has
    not failed."""
    if not victim.phone_e164:
        return False
    return (
        Text.objects.filter(incident_id=victim.incident_id, phone=victim.phone_e164)
        .exclude(status=TextStatus.FAILED)
        .exists()
    )


def _clean(victim: Victim, answers: dict[str, str]) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    choices = {
        "told_what_happens_next": CodeAnswer.values,
        "written_acknowledgement_offered": CodeAnswer.values,
        "support_information": SupportAnswer.values,
    }
    messages = {
        "told_what_happens_next": "Select whether the victim was told what happens next",
        "written_acknowledgement_offered": "Select whether the victim was offered a written acknowledgement",
        "support_information": "Select whether the victim was given the support information",
    }
    cleaned = {}
    for field, allowed in choices.items():
        value = answers.get(field)
        value = value.strip() if isinstance(value, str) else ""
        if value not in allowed:
            errors[field] = [messages[field]]
        cleaned[field] = value
    by_text = "support_information" not in errors and cleaned["support_information"] == SupportAnswer.TEXT
    if by_text and not _text_to_victim(victim):
        errors["support_information"] = [
            "No prevention text has been asked for to this victim's own number on this incident: "
            "choose how else the support information was given, or No"
        ]
    if errors:
        raise ValidationError(errors)
    return cleaned


def victims_code_record(
    *,
    victim: Victim,
    actor: User,
    told_what_happens_next: str,
    written_acknowledgement_offered: str,
    support_information: str,
    request: HttpRequest | None = None,
) -> Victim:
    """Record (or correct) the victim's Victims' Code answers. A victim of no crime is refused
    (Blocked "not_a_crime"); each missing or unknown answer is an error naming its field.
    The log names the victim by id; the audit log records the alteration, in the same
    transaction."""
    if not victims_code_applies(victim):
        raise Blocked(
            NOT_A_CRIME,
            f"The Victims' Code applies to victims of crime; "
            f"{victim.incident.category.name} is not recorded as a crime.",
        )
    cleaned = _clean(
        victim,
        {
            "told_what_happens_next": told_what_happens_next,
            "written_acknowledgement_offered": written_acknowledgement_offered,
            "support_information": support_information,
        },
    )
    with transaction.atomic():
        locked = Victim.objects.select_for_update().select_related("incident__category").get(pk=victim.pk)
        for field, value in cleaned.items():
            setattr(locked, field, value)
        locked.victims_code_by = actor
        locked.victims_code_at = timezone.now()
        locked.save(update_fields=[*cleaned, "victims_code_by", "victims_code_at"])
        log_entry_write(
            incident=locked.incident,
            kind=EntryKind.VICTIMS_CODE,
            author=actor,
            at=locked.victims_code_at,
            text=f"Victims' Code for victim V{locked.pk}: {answers_summary(locked)}.",
        )
        audit_record(
            actor=actor,
            action=Action.ALTER,
            object_type="victim",
            object_id=locked.pk,
            incident_reference=locked.incident.reference,
            description="Victims' Code answers recorded",
            request=request,
        )
    return locked


def answers_summary(victim: Victim) -> str:
    """The three answers as a person reads them, for the log and the victim's card."""
    parts = []
    for field, question in QUESTIONS.items():
        value = getattr(victim, field)
        label = victim._meta.get_field(field).choices and dict(victim._meta.get_field(field).choices).get(value)
        parts.append(f"{question.lower()}: {(label or 'not recorded').lower()}")
    return "; ".join(parts)


def victims_code_out(victim: Victim) -> dict[str, Any]:
    """The API's `victims_code` on a victim: whether it applies, the three answers (codes,
    null until recorded), whether all three were given, who recorded them and when."""
    return {
        "applies": victims_code_applies(victim),
        "told_what_happens_next": victim.told_what_happens_next or None,
        "written_acknowledgement_offered": victim.written_acknowledgement_offered or None,
        "support_information": victim.support_information or None,
        "met": victims_code_met(victim),
        "recorded_by": victim.victims_code_by.username if victim.victims_code_by_id else None,
        "recorded_at": timezone.localtime(victim.victims_code_at).isoformat() if victim.victims_code_at else None,
    }
