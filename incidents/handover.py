"""Watch handover: a handler going off shift hands their open incidents, each with a
re-THRIVE pending, to a named colleague.

`Incident.owner` is who answers for an incident's next re-THRIVE. It is the handler who
opened it (incidents.services.incident_create) until a handover here changes it; the only
other change is `owner_follows_call_taker`: the CAD correcting who took the call moves the
owner with it while nobody has handed the incident over. `Incident.handler` stays who
opened the incident: QA credit and the call taker's record read that, never the owner.

`incident_handover` is the one write (pages, the API); `handover_candidates` and
`handover_colleagues` are the reads the home page's form is drawn from.
"""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import Role, User
from accounts.roles import role_can
from audit.models import Action
from audit.services import audit_record
from config.text import free_text_problem
from incidents.models import EntryKind, Incident, Status
from incidents.services import incident_lock, incident_update, log_entry_write

HANDOVER_MAX = 200
HANDOVER_ROLES = {Role.CALL_HANDLER, Role.SUPERVISOR}


@dataclass
class HandoverResult:
    """What a handover did: the references handed over, and each one skipped with a code (for
    programs: `unknown`, `closed`, `already_owner`, `not_yours`) and a sentence (for people)."""

    handed_over: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)


def owner_follows_call_taker(incident: Incident, new_call_taker: User) -> bool:
    """Whether the owner moves with a corrected call taker (the CAD's PUT names another).

    While the owner is still the call taker of record nobody has handed the incident over:
    the owner was only ever "whoever took the call", so it follows the correction (otherwise
    the incident would sit in the wrong person's "your incidents" and the re-THRIVE reminder
    would name them). Once handed over, the control room's handover stands."""
    return incident.owner_id == incident.handler_id and incident.handler_id != new_call_taker.pk


def can_hand_over(user: Any) -> bool:
    """Handlers and supervisors hand over; trainers, analysts and admins work no incidents."""
    return role_can(user, "hand_over")


def may_hand_over_incident(actor: User, incident: Incident) -> bool:
    """The owner hands over their own incidents; a supervisor also those of their team, for a
    colleague who went off shift without doing it."""
    if incident.owner_id == actor.pk:
        return True
    return actor.role == Role.SUPERVISOR and actor.team_id is not None and incident.team_id == actor.team_id


def handover_colleagues(user: User) -> QuerySet[User]:
    """Who may receive: the active handlers and supervisors of the user's team, not the
    user, by name."""
    if not user.team_id:
        return User.objects.none()
    return (
        User.objects.filter(team_id=user.team_id, is_active=True, role__in=HANDOVER_ROLES)
        .exclude(pk=user.pk)
        .order_by("full_name", "username")
    )


def handover_candidates(user: User) -> QuerySet[Incident]:
    """The user's open incidents with a re-THRIVE pending, the soonest due first."""
    return (
        Incident.objects.filter(owner=user, status=Status.OPEN, rethrive_due_at__isnull=False)
        .select_related("category")
        .order_by("rethrive_due_at", "pk")
    )


def _clean(actor: User, to: Any, references: Any) -> tuple[User, list[str]]:
    errors: dict[str, list[str]] = {}
    recipient = None
    if not isinstance(to, str) or not to.strip():
        errors["to"] = ["Select the colleague to hand over to"]
    elif free_text_problem(to) or len(to) > 150:
        errors["to"] = ["Select the colleague to hand over to from your team"]
    else:
        recipient = handover_colleagues(actor).filter(username=to.strip()).first()
        if recipient is None:
            if to.strip() == actor.username:
                errors["to"] = ["Select a colleague: you cannot hand incidents over to yourself"]
            else:
                errors["to"] = [f"{to.strip()!r} is not an active handler or supervisor in your team"]
    cleaned: list[str] = []
    if not isinstance(references, list) or not references:
        errors["references"] = ["Select at least one incident to hand over"]
    elif len(references) > HANDOVER_MAX:
        errors["references"] = [f"Hand over at most {HANDOVER_MAX} incidents at a time"]
    elif not all(isinstance(ref, str) and ref.strip() and not free_text_problem(ref) for ref in references):
        errors["references"] = ["Each incident must be given by its reference"]
    else:
        # Once each, in the order given.
        cleaned = list(dict.fromkeys(ref.strip()[:40] for ref in references))
    if errors or recipient is None:
        raise ValidationError(errors)
    return recipient, cleaned


def incident_handover(
    *, actor: User, to: str, references: list[str], request: HttpRequest | None = None, channel: str = ""
) -> HandoverResult:
    """Hand each incident to the colleague `to` (a username from `handover_colleagues`).

    One transaction and one row lock per incident, so one that cannot move does not hold
    back the rest: a closed incident, one no longer the actor's (handed over or taken on
    by someone else since the list was drawn) and an unknown reference are skipped, each
    with a message. Each move is logged on the incident and audited.
    """
    if not can_hand_over(actor):
        raise PermissionDenied
    recipient, refs = _clean(actor, to, references)
    result = HandoverResult()
    ids = dict(Incident.objects.filter(reference__in=refs).values_list("reference", "pk"))
    for ref in refs:
        if ref not in ids:
            result.skipped.append((ref, "unknown", f"{ref}: there is no incident with this reference."))
            continue
        with transaction.atomic():
            locked = incident_lock(ids[ref])
            skip = _skip_reason(actor, recipient, locked)
            if skip:
                code, reason = skip
                result.skipped.append((ref, code, f"{ref}: {reason}"))
                continue
            previous = locked.owner
            incident_update(locked, owner=recipient)
            log_entry_write(
                incident=locked,
                kind=EntryKind.HANDED_OVER,
                author=actor,
                text=f"Handed over by {actor.display_name} from {previous.display_name} to "
                f"{recipient.display_name}, who now owns the next re-THRIVE.",
            )
            audit_record(
                actor=actor,
                action=Action.ALTER,
                object_type="incident",
                object_id=locked.pk,
                incident_reference=locked.reference,
                description=f"handed over from {previous.username} to {recipient.username}",
                request=request,
                channel=channel,
            )
            result.handed_over.append(ref)
    return result


def _skip_reason(actor: User, recipient: User, incident: Incident) -> tuple[str, str] | None:
    if incident.status != Status.OPEN:
        return "closed", "it was closed in the meantime, so it was not handed over."
    if incident.owner_id == recipient.pk:
        return "already_owner", f"{recipient.display_name} already owns it."
    if not may_hand_over_incident(actor, incident):
        return "not_yours", f"it is now owned by {incident.owner.display_name}, so it was not handed over."
    return None
