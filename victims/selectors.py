"""Reads of victims and texts, shaped for the incident page, the API and the home page.

A victim's details (name, date of birth, phone, address, the repeat check) are read only
through `victims_for_user` (an incident's victims) and `get_victim_for_user` (one victim):
each checks the reader may see incident logs and writes one audit line per victim shown
(rule 4: who viewed a victim's details is logged). Pages, the API and the admin all call them.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, Q, QuerySet, Subquery
from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.roles import role_can
from audit.services import audit_record_many, read_action
from config.phones import normalise_uk_phone
from config.statements import MARKER_TIME, ModelStatement, Statement, marker_id
from incidents.models import Incident
from victims.models import Text, TextStatus, Victim
from victims.rules import normalise_name, phone_masked
from victims.victims_code import victims_code_out


def victim_reads_record(
    *,
    user: Any,
    victims: list[Victim],
    request: HttpRequest | None = None,
    channel: str = "",
    description: str = "",
) -> None:
    """One audit line per victim shown, in a single insert (consult on a page or in the
    admin, disclose through the API)."""
    if not victims:
        return
    audit_record_many(
        actor=user,
        action=read_action(request, channel),
        object_type="victim",
        records=[(victim.pk, victim.incident.reference) for victim in victims],
        request=request,
        channel=channel,
        description=description,
    )


def victims_for_user(
    user: Any, incident: Incident, *, request: HttpRequest | None = None, channel: str = ""
) -> list[Victim]:
    """The incident's victims with their details, for someone who may read the incident
    (staff who work incidents, and the CAD reading its own incidents: API.md)."""
    if not (role_can(user, "view_incidents") or role_can(user, "cad_read")):
        raise Http404
    victims = victim_list(incident)
    for victim in victims:
        victim.incident = incident  # already loaded: no query per victim for the reference
    victim_reads_record(user=user, victims=victims, request=request, channel=channel)
    return victims


def get_victim_for_user(
    user: Any, pk: Any, *, read: bool = True, request: HttpRequest | None = None, channel: str = ""
) -> Victim:
    """One victim with their details: 404 if unknown or the reader may not see incidents.
    `read=False` for a route that only changes the victim: its service records the change
    (and a page that then shows the details again calls `victim_reads_record`)."""
    if not role_can(user, "view_incidents"):
        raise Http404
    try:
        victim = Victim.objects.select_related("incident__category", "victims_code_by").filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        victim = None
    if victim is None:
        raise Http404
    if read:
        victim_reads_record(user=user, victims=[victim], request=request, channel=channel)
    return victim


# --- The repeat-victim check's search (rule 6) -------------------------------------------

# The rows one search reads at most: the check lists incidents, newest first.
MATCH_LIMIT = 200


def repeat_check_candidates(
    *,
    incident: Incident,
    phone_e164: str = "",
    name_key: str = "",
    date_of_birth: date | None = None,
    household_key: str = "",
) -> QuerySet[Victim]:
    """Rule 6's one search: earlier victims in the look-back window before this incident
    opened, on another incident, who share the phone, the name and date of birth, or the
    household; newest first. Each route is a range scan of its own partial index. The check
    run on linking (victims.services.repeat_check_matches) and the phone-first offer beside
    the form (phone_matches_for_user) both ask it."""
    routes = Q()
    if phone_e164:
        routes |= Q(phone_e164=phone_e164)
    if name_key and date_of_birth:
        routes |= Q(name_key=name_key, date_of_birth=date_of_birth)
    if household_key:
        routes |= Q(household_key=household_key)
    if not routes:
        return Victim.objects.none()
    since = incident.opened_at - timedelta(days=settings.REPEAT_VICTIM_LOOKBACK_DAYS)
    return (
        Victim.objects.filter(routes, incident_opened_at__gte=since)
        .exclude(incident_id=incident.pk)
        .select_related("incident__category")
        .order_by("-incident_opened_at", "id")[:MATCH_LIMIT]
    )


@dataclass(frozen=True)
class PhoneMatch:
    """One person who called from a number before: their newest victim row (the one the
    handler links from), and how many earlier incidents they were a victim in."""

    victim: Victim
    name: str
    date_of_birth: date | None
    incidents: int


# How many people one number offers at most (a household's landline, a parent's mobile).
PHONE_MATCH_PEOPLE = 5


def phone_matches_for_user(
    user: Any, incident: Incident, *, phone: str, read: bool = True, request: HttpRequest | None = None
) -> list[PhoneMatch]:
    """The people who called from this number before (issue 19's phone-first link): the
    repeat-victim check's own search by phone, one entry per person (the same name and date
    of birth), newest first. Showing them is a read of their details, recorded one audit line
    per person shown, as every read of a victim is; `read=False` for the link, whose service
    records the collection. Nothing while the number is not yet a whole UK number."""
    if not role_can(user, "view_incidents"):
        raise Http404
    phone_e164 = normalise_uk_phone(phone)
    if not phone_e164:
        return []
    people: dict[tuple[str, date | None], list[Victim]] = {}
    for candidate in repeat_check_candidates(incident=incident, phone_e164=phone_e164):
        key = (candidate.name_key or normalise_name(candidate.name), candidate.date_of_birth)
        people.setdefault(key, []).append(candidate)
    matches = [
        PhoneMatch(
            victim=rows[0],
            name=rows[0].name,
            date_of_birth=rows[0].date_of_birth,
            incidents=len({row.incident_id for row in rows}),
        )
        for rows in list(people.values())[:PHONE_MATCH_PEOPLE]
    ]
    if read:
        victim_reads_record(
            user=user,
            victims=[match.victim for match in matches],
            request=request,
            description=f"Offered as a phone match on incident {incident.reference}",
        )
    return matches


# How long a failed text stays on its handler's home page.
FAILED_TEXT_NOTICE_DAYS = 7


# The incident page's reads, compiled once each (config.statements, issue 18).
_VICTIMS = ModelStatement(
    lambda incident: (
        Victim.objects.filter(incident_id=incident).select_related("victims_code_by").order_by("created_at", "id")
    ),
    incident=marker_id(1),
)


def victim_list(incident: Incident) -> list[Victim]:
    return _VICTIMS.objects(incident=incident.pk)


def text_list(incident: Incident) -> list[Text]:
    """Every text of the incident, oldest first: the API's list (API.md fixes it whole)."""
    return list(Text.objects.filter(incident=incident).order_by("created_at", "id"))


# The incident's page shows the latest few texts (issue 18: a page constant in the
# incident's history); the rest are on the texts' own pages, TEXTS_PAGE at a time.
TEXTS_SHOWN = 5
TEXTS_PAGE = 50


@dataclass(frozen=True)
class TextsSlice:
    """Texts newest first; `older_than` is the id to ask for the next (older) page with,
    None when these are the oldest; `total` the incident's count of texts; `polling`
    whether any of the incident's texts is still queued."""

    texts: list[Text]
    older_than: int | None
    total: int
    polling: bool


def texts_recent(incident: Incident, *, before: int | None = None, size: int = TEXTS_SHOWN) -> TextsSlice:
    """`size` texts newest first, older than text `before` when given: one query however
    many texts the incident has had (keyset on the id, which grows with each text), whose
    rows carry the incident's count of texts and whether any of them is still queued (two
    subqueries on the incident's texts, each run once), so that the table keeps polling
    until every text has left the queue, not only the ones shown."""
    if before is None:
        rows = _texts_slice(size, older=False).objects(incident=incident.pk)
    else:
        rows = _texts_slice(size, older=True).objects(incident=incident.pk, before=before)
    shown = rows[:size]
    first = rows[0] if rows else None
    return TextsSlice(
        texts=shown,
        older_than=shown[-1].pk if len(rows) > size else None,
        total=first.incident_total if first else 0,
        polling=bool(first and first.incident_queued),
    )


_TEXTS: dict[tuple[int, bool], ModelStatement] = {}


def _texts_slice(size: int, *, older: bool) -> ModelStatement:
    """texts_recent's query, compiled once for each page size, with and without a keyset."""
    if (size, older) not in _TEXTS:

        def build(incident: int, before: int | None = None) -> Any:
            mine = Text.objects.filter(incident_id=incident)
            total = mine.order_by().values("incident").annotate(n=Count("id")).values("n")
            qs = mine.annotate(
                incident_total=Subquery(total), incident_queued=Exists(mine.filter(status=TextStatus.QUEUED))
            ).order_by("-id")
            if before is not None:
                qs = qs.filter(id__lt=before)
            return qs[: size + 1]

        markers = {"incident": marker_id(1), **({"before": marker_id(2)} if older else {})}
        _TEXTS[(size, older)] = ModelStatement(build, **markers)
    return _TEXTS[(size, older)]


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
        # Rule 14 (victims.victims_code): an extra field, beside API.md's.
        "victims_code": victims_code_out(victim),
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


FAILED_TEXTS_SHOWN = 10


def texts_failed_for_handler(user: User) -> list[tuple[str, datetime]]:
    """The handler's texts that failed recently, for the notice on their home page: each as
    (the incident's reference, when it failed), what the notice shows of it."""
    since = timezone.now() - timedelta(days=FAILED_TEXT_NOTICE_DAYS)
    return _FAILED_TEXTS.rows(user=user.pk, since=since)


# On every handler's home page: a statement built once.
_FAILED_TEXTS = Statement(
    lambda user, since: (
        Text.objects.filter(created_by_id=user, status=TextStatus.FAILED, failed_at__gte=since)
        .order_by("-failed_at")
        .values_list("incident__reference", "failed_at")[:FAILED_TEXTS_SHOWN]
    ),
    user=marker_id(13),
    since=MARKER_TIME,
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
