"""Months as the force counts them: Europe/London local months, stored as their first day."""

from datetime import date, datetime

from django.utils import timezone


def local_month(moment: datetime) -> date:
    """The first day of the local month `moment` falls in (00:30 on 1 June BST is June)."""
    local = timezone.localtime(moment)
    return date(local.year, local.month, 1)
