"""The trainer's briefing pages (rule 9, training that is training): the list, recording a
briefing (the day, the topic, the version of the wording briefed, who attended) and one
briefing. Every write goes through thrive.wording.briefings.briefing_record."""

from datetime import date
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.decorators import role_required
from config.pages import errors_list
from thrive.wording import (
    briefing_list,
    briefing_record,
    briefing_staff,
    briefing_versions,
    current_family,
    current_published,
    get_briefing_for_user,
)

ANCHORS = {"held_on": "f-held-on-day", "topic": "f-topic", "prompt_set": "f-prompt-set", "attendees": "f-attendees"}


@require_GET
@role_required("edit_prompts")
def briefing_list_page(request: HttpRequest) -> HttpResponse:
    context = {"briefings": list(briefing_list()[:500]), "current": current_published(current_family())}
    return render(request, "thrive/wording/briefing_list.html", context)


def _held_on(values: dict[str, str]) -> tuple[date | None, str | None]:
    """The GOV.UK date input's three boxes as a date, or the message for a date that is not
    one (none given is the service's "enter the date")."""
    parts = [values[f"held_on_{part}"].strip() for part in ("day", "month", "year")]
    if not any(parts):
        return None, None
    try:
        return date(int(parts[2]), int(parts[1]), int(parts[0])), None
    except ValueError:
        return None, "The date of the briefing must be a real date, like 14 3 2026"


def _staff_by_team() -> list[tuple[str, list[Any]]]:
    """The attendance picker's groups: each team with its staff, by name."""
    staff = list(briefing_staff())
    return [
        (team, list(people))
        for team, people in groupby(staff, key=lambda user: user.team.name if user.team else "No team")
    ]


@require_http_methods(["GET", "POST"])
@role_required("edit_prompts")
def briefing_create_page(request: HttpRequest) -> HttpResponse:
    versions = list(briefing_versions())
    current = current_published(current_family())
    values: dict[str, Any] = {
        "held_on_day": "",
        "held_on_month": "",
        "held_on_year": "",
        "topic": "",
        "prompt_set": str(current.pk) if current else "",
        "attendees": [],
    }
    field_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = {
            **{key: request.POST.get(key, "")[:200] for key in ("held_on_day", "held_on_month", "held_on_year")},
            "topic": request.POST.get("topic", "")[:1000],
            "prompt_set": request.POST.get("prompt_set", "")[:20],
            "attendees": [value[:20] for value in request.POST.getlist("attendees")[:2000]],
        }
        held_on, date_error = _held_on(values)
        try:
            briefing = briefing_record(
                actor=request.user,
                held_on=held_on,
                topic=values["topic"],
                prompt_set_id=values["prompt_set"],
                attendee_ids=values["attendees"],
                request=request,
            )
        except ValidationError as exc:
            field_errors = exc.message_dict
        else:
            # A date that is not one reaches the service as none, which refuses it: a
            # briefing is saved only with a real date.
            messages.success(request, f"Briefing recorded: {briefing.attendees.count()} attended.")
            return redirect("thrive:briefing-detail", pk=briefing.pk)
        if date_error:
            # The service's "enter the date" is replaced by what was wrong with it.
            field_errors = {**field_errors, "held_on": [date_error]}
            field_errors = {key: field_errors[key] for key in ANCHORS if key in field_errors}
    context = {
        "values": values,
        "versions": versions,
        "teams": _staff_by_team(),
        "field_errors": field_errors,
        "errors": errors_list(field_errors, ANCHORS),
    }
    return render(request, "thrive/wording/briefing_create.html", context, status=400 if field_errors else 200)


@require_GET
@role_required("edit_prompts")
def briefing_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    briefing = get_briefing_for_user(request.user, pk)
    teams = [
        (team, list(people))
        for team, people in groupby(briefing.attendee_list, key=lambda user: user.team.name if user.team else "No team")
    ]
    return render(request, "thrive/wording/briefing_detail.html", {"briefing": briefing, "teams": teams})
