"""Reads for rule 13: who is on watch, whom a new alert goes to, what a supervisor sees
(the polled panel, the queue), one alert for a supervisor, and the monthly report."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db.models import (
    Avg,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404

from accounts.models import Role, User
from accounts.roles import role_can
from alerts.models import Alert, AlertRecipient, Watch
from alerts.rules import duration_label, escalate_raised_before, live_q, on_watch_q
from config.statements import MARKER_TIME, ModelStatement, marker_id
from incidents.models import Incident

# How long an alert someone else acknowledged stays on a supervisor's panel, saying who owns it.
OWNED_SHOWN_FOR = timedelta(minutes=30)
PANEL_LENGTH = 50


def watch_current(user: User, *, now: datetime) -> Watch | None:
    """The supervisor's watch that is open now, or None."""
    return Watch.objects.filter(on_watch_q(now), supervisor=user).first()


def supervisors_on_watch(now: datetime) -> QuerySet[User]:
    return User.objects.filter(
        Exists(Watch.objects.filter(on_watch_q(now), supervisor=OuterRef("pk"))),
        role=Role.SUPERVISOR,
        is_active=True,
    )


def _supervisors(team_id: int | None = None) -> QuerySet[User]:
    found = User.objects.filter(role=Role.SUPERVISOR, is_active=True)
    return found.filter(team_id=team_id) if team_id is not None else found


def answering_team_id(incident: Incident) -> int | None:
    """The team whose supervisors an alert about `incident` goes to: the team of whoever
    answers for it now, its current owner (a watch handover or the CAD's corrected call taker
    can leave that apart from `Incident.team`, the call taker's), else the incident's own."""
    owner_team = User.objects.filter(pk=incident.owner_id).values_list("team_id", flat=True).first()
    return owner_team or incident.team_id


def first_recipients(team_id: int | None, *, now: datetime) -> tuple[list[User], str]:
    """Whom a new alert goes to, and the words for it. Never nobody while any supervisor
    exists: the team's supervisors on watch; else every supervisor on watch; else (nobody
    on watch) every supervisor of the team; else every supervisor."""
    on_watch = list(supervisors_on_watch(now).order_by("username"))
    team_on_watch = [u for u in on_watch if team_id is not None and u.team_id == team_id]
    if team_on_watch:
        return team_on_watch, "the team's supervisors on watch"
    if on_watch:
        return on_watch, "every supervisor on watch (none of the team's is)"
    team_all = list(_supervisors(team_id).order_by("username")) if team_id is not None else []
    if team_all:
        return team_all, "the team's supervisors (nobody is on watch)"
    return list(_supervisors().order_by("username")), "every supervisor (nobody is on watch)"


def escalation_recipients(*, now: datetime) -> tuple[list[User], str]:
    """Whom an alert goes to once unacknowledged for ALERT_ESCALATE_MINUTES."""
    on_watch = list(supervisors_on_watch(now).order_by("username"))
    if on_watch:
        return on_watch, "every supervisor on watch"
    return list(_supervisors().order_by("username")), "every supervisor (nobody is on watch)"


def alerts_for_watch_start(user: User, *, now: datetime) -> QuerySet[Alert]:
    """The open alerts a supervisor coming on watch takes on: their team's, and any that has
    already gone to every supervisor on watch."""
    team = Q(team_id=user.team_id) if user.team_id else Q(pk__in=[])
    return Alert.objects.filter(team | Q(escalated_at__isnull=False), live_q())


def _visible_to(user: User) -> Q:
    return _visible(user.pk, user.team_id)


def _visible(user: int, team: int | None) -> Q:
    """A supervisor sees the alerts sent to them, those of their own team, and those they own."""
    sent = Exists(AlertRecipient.objects.filter(alert=OuterRef("pk"), supervisor_id=user))
    mine = Q(team_id=team) if team else Q(pk__in=[])
    return Q(sent) | mine | Q(acknowledged_by_id=user)


@dataclass
class Panel:
    """What a supervisor's alert panel shows: open alerts, the ones they own without a
    decision, and the ones someone else took lately (saying who)."""

    waiting: list[Alert]
    mine: list[Alert]
    taken: list[Alert]
    fingerprint: str
    # Every open alert the supervisor may see, however many the panel lists (PANEL_LENGTH).
    waiting_total: int = 0

    @property
    def waiting_unlisted(self) -> int:
        return self.waiting_total - len(self.waiting)

    @property
    def empty(self) -> bool:
        return not (self.waiting or self.mine or self.taken)


def _panel(user: int, since: datetime, team: int | None = None, *, length: int) -> QuerySet[Alert]:
    """The panel's alerts for the supervisor `user` of `team` (None: no team): open, their own
    without a decision, or taken since `since`; oldest first, at most `length`; each row
    carrying how many open alerts they may see in all (a subquery run once)."""
    visible = _visible(user, team)
    open_count = (
        Alert.objects.filter(visible).filter(live_q()).order_by().annotate(n=Func("id", function="COUNT")).values("n")
    )
    return (
        Alert.objects.filter(visible)
        .annotate(open_total=Subquery(open_count))
        .filter(live_q() | Q(acknowledged_by_id=user, decided_at__isnull=True) | Q(acknowledged_at__gte=since))
        .select_related("incident", "acknowledged_by", "team")
        .order_by("raised_at", "id")[:length]
    )


# Compiled once for each shape (config.statements, issue 18): the panel is on the supervisor's
# home and queue pages and polled every few seconds, and building its query cost more CPU
# than running it.
_PANELS: dict[tuple[bool, int], ModelStatement] = {}


def _panel_statement(*, team: bool, length: int) -> ModelStatement:
    if (team, length) not in _PANELS:
        markers = {"user": marker_id(1), "since": MARKER_TIME, **({"team": marker_id(2)} if team else {})}
        _PANELS[(team, length)] = ModelStatement(partial(_panel, length=length), **markers)
    return _PANELS[(team, length)]


def alert_panel(user: User, *, now: datetime) -> Panel:
    """One query. Its fingerprint changes only when what the panel shows changes, so a poll
    that finds nothing new answers 204 and the page (and a screen reader) is left alone. The
    panel lists at most PANEL_LENGTH alerts, those waiting longest first; each row carries how
    many open alerts there are in all (a subquery run once), so the banner never says 50
    when 400 are waiting."""
    values = {"user": user.pk, "since": now - OWNED_SHOWN_FOR, **({"team": user.team_id} if user.team_id else {})}
    rows = _panel_statement(team=bool(user.team_id), length=PANEL_LENGTH).objects(**values)
    waiting = [a for a in rows if a.is_open]
    mine = [a for a in rows if a.acknowledged_by_id == user.pk and a.decided_at is None]
    taken = [a for a in rows if a.acknowledged_at is not None and a not in mine]
    total = rows[0].open_total if rows else 0
    state = f"{total}|" + "|".join(
        f"{a.pk}:{a.acknowledged_by_id or 0}:{int(a.escalated_at is not None)}:{int(a.decided_at is not None)}"
        for a in rows
    )
    fingerprint = hashlib.sha256(state.encode()).hexdigest()[:16]
    return Panel(waiting=waiting, mine=mine, taken=taken, fingerprint=fingerprint, waiting_total=total)


def alert_list_for_user(user: User, *, status: str = "") -> QuerySet[Alert]:
    """The API's list: the alerts a supervisor may see, newest first; `status` "open" (still
    calling for a supervisor: neither acknowledged nor settled by the incident's close) or
    "acknowledged" narrows it."""
    found = Alert.objects.filter(_visible_to(user)).select_related("incident", "acknowledged_by", "team", "settled_by")
    if status == "open":
        found = found.filter(live_q())
    elif status == "acknowledged":
        found = found.filter(acknowledged_at__isnull=False)
    return found.order_by("-raised_at", "-id")


def get_alert_for_user(user: User, pk: Any) -> Alert:
    """The one door to an alert for acknowledging or deciding: a supervisor's own (sent to
    them, their team's, or theirs); anything else is 404, not telling it exists."""
    if not role_can(user, "alerts_acknowledge"):
        raise Http404
    alert = alert_list_for_user(user).filter(pk=pk).first()
    if alert is None:
        raise Http404
    return alert


def is_overdue_to_escalate(alert: Alert, *, now: datetime) -> bool:
    return alert.is_open and alert.escalated_at is None and alert.raised_at <= escalate_raised_before(now)


# --- The report -----------------------------------------------------------------------------


@dataclass
class MonthRow:
    month: date
    raised: int
    high_risk: int
    overdue: int
    acknowledged: int
    within_target: int
    escalated: int
    decided: int
    settled: int
    average_seconds: float | None
    longest_seconds: float | None

    @property
    def unacknowledged(self) -> int:
        """Never acknowledged, and not settled by the incident's close either."""
        return self.raised - self.acknowledged - self.settled

    @property
    def average_label(self) -> str:
        return duration_label(self.average_seconds) if self.average_seconds is not None else "–"

    @property
    def longest_label(self) -> str:
        return duration_label(self.longest_seconds) if self.longest_seconds is not None else "–"


def alert_report(*, team_id: int | None = None, months: int = 12, today: date) -> list[MonthRow]:
    """Alerts by month (newest first): how many, of which kind, acknowledged, within the
    escalation time, escalated, decided, settled by the incident's close before anyone
    acknowledged them, and the average and longest time to acknowledge.
    One query, grouped on the stored month (alert_month_team serves it)."""
    first = date(today.year, today.month, 1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    waited = ExpressionWrapper(F("acknowledged_at") - F("raised_at"), output_field=DurationField())
    target = timedelta(minutes=settings.ALERT_ESCALATE_MINUTES)
    found = Alert.objects.filter(raised_month__gte=first)
    if team_id is not None:
        found = found.filter(team_id=team_id)
    rows = (
        found.values("raised_month")
        .annotate(
            raised=Count("id"),
            high_risk=Count("id", filter=Q(reason="high_risk")),
            overdue=Count("id", filter=Q(reason="rethrive_overdue")),
            acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
            within_target=Count("id", filter=Q(acknowledged_at__lte=F("raised_at") + target)),
            escalated=Count("id", filter=Q(escalated_at__isnull=False)),
            decided=Count("id", filter=Q(decided_at__isnull=False)),
            settled=Count("id", filter=Q(settled_at__isnull=False)),
            average=Avg(waited),
            longest=Max(waited),
        )
        .order_by("-raised_month")
    )
    return [
        MonthRow(
            month=r["raised_month"],
            raised=r["raised"],
            high_risk=r["high_risk"],
            overdue=r["overdue"],
            acknowledged=r["acknowledged"],
            within_target=r["within_target"],
            escalated=r["escalated"],
            decided=r["decided"],
            settled=r["settled"],
            average_seconds=r["average"].total_seconds() if r["average"] is not None else None,
            longest_seconds=r["longest"].total_seconds() if r["longest"] is not None else None,
        )
        for r in rows
    ]


def alert_month_list(*, month: date, team_id: int | None = None) -> QuerySet[Alert]:
    """The alerts raised in one month, oldest first, for the report's detail table."""
    found = Alert.objects.filter(raised_month=month).select_related("incident", "team", "acknowledged_by", "settled_by")
    if team_id is not None:
        found = found.filter(team_id=team_id)
    return found.order_by("raised_at", "id")
