"""Erasing a victim's phone from the assessments' prevention answer (victims' erasure).

The phone a handler typed for the prevention text is a copy of the victim's details; the
free-text answers are the record of the decision and stay whole (rule 4). Called through
victims.signals.victim_erasing, inside the erasure's transaction.
"""

from typing import Any

from config.phones import normalise_uk_phone
from config.text import ERASED
from thrive.models import Assessment


def assessment_answers_erase_phone(*, incident_id: int, phone_e164: str, **_: Any) -> int:
    """Replace the incident's prevention phone answers that are this number; returns how many."""
    if not phone_e164:
        return 0
    erased = 0
    for assessment in Assessment.objects.filter(incident_id=incident_id).only("pk", "answers"):
        prevention = (assessment.answers or {}).get("prevention")
        if not isinstance(prevention, dict) or not isinstance(prevention.get("phone"), str):
            continue
        if normalise_uk_phone(prevention["phone"]) == phone_e164:
            prevention["phone"] = ERASED
            Assessment.objects.filter(pk=assessment.pk).update(answers=assessment.answers)
            erased += 1
    return erased
