"""Reads of victims and texts, shaped for the incident page, the API and the home page."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from incidents.models import Incident
from victims.models import Text, TextStatus, Victim
from victims.rules import phone_masked

# How long a failed text stays on its handler's home page.
FAILED_TEXT_NOTICE_DAYS = 7


def victim_list(incident: Incident) -> list[Victim]:
    return list(Victim.objects.filter(incident=incident).order_by("created_at", "id"))


def text_list(incident: Incident) -> list[Text]:
    return list(Text.objects.filter(incident=incident).order_by("created_at", "id"))


def repeat_check_out(victim: Victim) -> dict[str, Any]:
    """API.md's repeat_check, plus what the page shows (category, the people matched)."""
    return {
        "previous_incidents": len(victim.check_matches),
        "lookback_days": settings.REPEAT_VICTIM_LOOKBACK_DAYS,
        "checked_at": victim.checked_at.isoformat() if victim.checked_at else None,
        "matches": victim.check_matches,
        "outcome": victim.outcome,
        "household_note": victim.household_note,
    }


def victim_out(victim: Victim) -> dict[str, Any]:
    return {
        "id": victim.pk,
        "name": victim.name,
        "date_of_birth": victim.date_of_birth.isoformat() if victim.date_of_birth else None,
        "phone": victim.phone_e164 or victim.phone,
        "address": victim.address,
        "postcode": victim.postcode,
        "repeat_check": repeat_check_out(victim),
    }


def text_out(text: Text) -> dict[str, Any]:
    return {
        "id": text.pk,
        "status": text.status,
        "link": text.link,
        "attempts": text.attempts,
        "sent_at": timezone.localtime(text.sent_at).isoformat() if text.sent_at else None,
        "delivered_at": timezone.localtime(text.delivered_at).isoformat() if text.delivered_at else None,
        "failed_at": timezone.localtime(text.failed_at).isoformat() if text.failed_at else None,
        # Rule 12: why a number that already had a text for this incident got another.
        "resend_reason": text.resend_reason,
    }


def texts_failed_for_handler(user: User, *, limit: int = 10) -> list[Text]:
    """The handler's texts that failed recently, for the notice on their home page."""
    since = timezone.now() - timedelta(days=FAILED_TEXT_NOTICE_DAYS)
    return list(
        Text.objects.filter(created_by=user, status=TextStatus.FAILED, failed_at__gte=since)
        .select_related("incident")
        .order_by("-failed_at")[:limit]
    )


def any_queued(texts: list[Text]) -> bool:
    return any(text.status == TextStatus.QUEUED for text in texts)


def texts_sent_before(*, incident: Incident) -> list[dict[str, Any]]:
    """The numbers this incident's texts went to, newest first, each once, for the form's
    "send again" choice (rule 12). The number is shown masked, as in the log."""
    seen: dict[str, dict[str, Any]] = {}
    for text in Text.objects.filter(incident=incident).exclude(phone="").order_by("-created_at", "-id")[:20]:
        if text.phone not in seen:
            seen[text.phone] = {
                "phone": text.phone,
                "masked": phone_masked(text.phone),
                "created_at": text.created_at,
                "status": text.get_status_display().lower(),
            }
    return list(seen.values())
