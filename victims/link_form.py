"""The victim-link form, shared by the victim page (victims/victim_link.html) and the call
screen's victim panel (thrive/partials/victim_panel.html): its fields, the ids the one
template partial gives them (templates/victims/partials/victim_fields.html), and reading a
post into a linked victim (victims.services.victim_link does the work and the checks)."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict

from config.pages import errors_shown_once
from incidents.models import Incident
from victims.models import Victim
from victims.rules import date_of_birth_from_parts
from victims.services import victim_link

LINK_FIELDS = ("name", "dob_day", "dob_month", "dob_year", "phone", "address", "postcode")


def link_field_ids(prefix: str) -> dict[str, str]:
    """The id of each field's first input in the partial, by the error key that names it (an
    error summary links to it; the panel moves focus to it). The page's prefix is "f", the
    panel's "v" (the assessment form beside the panel has its own "f-" ids)."""
    return {
        "name": f"{prefix}-name",
        "date_of_birth": f"{prefix}-dob-day",
        "phone": f"{prefix}-phone",
        "address": f"{prefix}-address",
        "postcode": f"{prefix}-postcode",
    }


def victim_link_from_post(
    *,
    post: QueryDict,
    incident: Incident,
    actor: Any,
    request: HttpRequest,
    known: tuple[str, date | None] | None = None,
) -> tuple[dict[str, str], Victim | None, dict[str, list[str]]]:
    """(the values as typed, the victim linked or None, the errors by field). `known` is the
    name and date of birth of a person the handler chose from the phone's matches (the call
    screen's phone first): they are used instead of the name and date boxes."""
    values = {name: post.get(name, "")[:300] for name in LINK_FIELDS}
    if known is not None:
        values["name"], dob, dob_error = known[0], known[1], None
    else:
        dob, dob_error = date_of_birth_from_parts(values["dob_day"], values["dob_month"], values["dob_year"])
    if dob_error:
        return values, None, {"date_of_birth": [dob_error]}
    try:
        victim = victim_link(
            incident=incident,
            actor=actor,
            name=values["name"],
            date_of_birth=dob,
            phone=values["phone"],
            address=values["address"],
            postcode=values["postcode"],
            request=request,
        )
    except ValidationError as exc:
        return values, None, errors_shown_once(exc.message_dict)
    return values, victim, {}
