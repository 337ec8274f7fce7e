"""Rule 13's writes: watches, raising an alert (from a submission, from the re-THRIVE sweep),
acknowledging it (the first wins, under the row lock), the owner's decision, and the
escalation of alerts nobody acknowledged in time. Every write that a person makes is
logged on the incident and audited here, in its own transaction."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from alerts.models import Alert, AlertRecipient, Decision, Reason, Watch
from alerts.rules import duration_label, escalate_raised_before, live_q, overdue_alert_before, risk_raises_alert
from alerts.selectors import (
    alerts_for_watch_start,
    answering_team_id,
    escalation_recipients,
    first_recipients,
    watch_current,
)
from audit.models import Action
from audit.services import audit_record
from config.dates import local_month
from config.errors import Blocked
from config.text import free_text_errors
from incidents.models import EntryKind, Incident, Status
from incidents.services import incident_lock, log_entry_write

DECISION_NOTE_MAX = 2000


# --- Watches (who is on duty) ---------------------------------------------------------------


def watch_start(*, supervisor: User, request: HttpRequest | None = None) -> Watch:
    """Put a supervisor on watch. Already on watch: that watch, unchanged. A lapsed watch
    left open is closed at its lapse time first. Coming on watch, they are sent the open
    alerts of their team and those already gone to every supervisor on watch."""
    now = timezone.now()
    with transaction.atomic():
        # The supervisor's own row serialises two presses of "Start watch" (a double click):
        # the second finds the first's watch instead of breaking watch_one_open.
        User.objects.select_for_update().filter(pk=supervisor.pk).exists()
        current = watch_current(supervisor, now=now)
        if current is not None:
            return current
        # A watch left open past WATCH_MAX_HOURS no longer counts; close it where it lapsed.
        for stale in Watch.objects.select_for_update().filter(supervisor=supervisor, ended_at__isnull=True):
            stale.ended_at = min(now, stale.started_at + timedelta(hours=settings.WATCH_MAX_HOURS))
            stale.save(update_fields=["ended_at"])
        watch = Watch.objects.create(supervisor=supervisor, started_at=now)
        _send(list(alerts_for_watch_start(supervisor, now=now)), [supervisor], now=now)
        audit_record(
            actor=supervisor,
            action=Action.COLLECT,
            object_type="watch",
            object_id=watch.pk,
            description="watch started",
            request=request,
        )
    return watch


def watch_end(*, supervisor: User, request: HttpRequest | None = None) -> Watch | None:
    """End the supervisor's open watch (None when they were not on one)."""
    now = timezone.now()
    with transaction.atomic():
        watch = Watch.objects.select_for_update().filter(supervisor=supervisor, ended_at__isnull=True).first()
        if watch is None:
            return None
        watch.ended_at = now
        watch.save(update_fields=["ended_at"])
        audit_record(
            actor=supervisor,
            action=Action.ALTER,
            object_type="watch",
            object_id=watch.pk,
            description="watch ended",
            request=request,
        )
    return watch


# --- Raising --------------------------------------------------------------------------------


def _send(alerts: list[Alert], supervisors: list[User], *, now: datetime) -> None:
    AlertRecipient.objects.bulk_create(
        [AlertRecipient(alert=a, supervisor=s, sent_at=now) for a in alerts for s in supervisors],
        ignore_conflicts=True,
    )


def _names(supervisors: list[User]) -> str:
    return ", ".join(s.display_name for s in supervisors) or "nobody (no supervisor exists)"


def _raise(incident: Incident, *, reason: str, now: datetime, what: str, **fields: object) -> Alert:
    team_id = answering_team_id(incident)
    supervisors, sent_to = first_recipients(team_id, now=now)
    alert = Alert.objects.create(
        incident=incident,
        team_id=team_id,
        reason=reason,
        raised_at=now,
        raised_month=local_month(now),
        sent_to=sent_to,
        **fields,
    )
    _send([alert], supervisors, now=now)
    log_entry_write(
        incident=incident,
        kind=EntryKind.ALERT,
        at=now,
        text=f"Supervisors alerted: {what}. Sent to {sent_to}: {_names(supervisors)}.",
    )
    return alert


def alert_raise_for_submission(*, incident: Incident, risk_level: str, version: int) -> Alert | None:
    """Called by the submission (casework.services.assessment_record) inside its transaction,
    holding the incident's lock: a version at a risk level that raises an alert does, at once.
    While an earlier high-risk alert on the incident is still unacknowledged, that one stands
    (the supervisors are already being called to it) and no second one is raised; one settled
    by an earlier close does not stand (after a reopening, a high risk alerts again).

    A closed incident raises none: a late version (answering a return after the close) has no
    live incident for a supervisor to act on, and an alert on it would call every supervisor
    on watch to nothing. The version and its risk stay on the incident's log."""
    if not risk_raises_alert(risk_level) or incident.status != Status.OPEN:
        return None
    if Alert.objects.filter(live_q(), incident=incident, reason=Reason.HIGH_RISK).exists():
        return None
    return _raise(
        incident,
        reason=Reason.HIGH_RISK,
        now=timezone.now(),
        what=f"assessment version {version} records a {risk_level} risk",
        assessment_version=version,
    )


def alert_raise_overdue(*, now: datetime | None = None) -> int:
    """The re-THRIVE sweep's part (thrive.tasks.rethrive_sweep): one alert for each open
    incident whose re-THRIVE has been overdue ALERT_OVERDUE_MINUTES, once per missed due
    time. Checked again under the incident's lock (a re-THRIVE submitted meanwhile moves the
    due time on); the unique constraint settles two sweeps racing. Returns how many."""
    now = now or timezone.now()
    raised = Exists(
        Alert.objects.filter(
            incident=OuterRef("pk"), reason=Reason.RETHRIVE_OVERDUE, due_at=OuterRef("rethrive_due_at")
        )
    )
    candidates = list(
        Incident.objects.overdue(overdue_alert_before(now)).exclude(raised).values_list("pk", "rethrive_due_at")[:500]
    )
    count = 0
    for pk, due in candidates:
        try:
            with transaction.atomic():
                incident = incident_lock(pk)
                if incident.status != Status.OPEN or incident.rethrive_due_at != due:
                    continue
                late = duration_label((now - due).total_seconds())
                _raise(
                    incident,
                    reason=Reason.RETHRIVE_OVERDUE,
                    now=now,
                    what=f"the re-THRIVE is {late} overdue",
                    due_at=due,
                )
                count += 1
        except IntegrityError:  # another sweep raised it first
            continue
    return count


def alert_settle_for_close(*, incident: Incident, actor: User, at: datetime) -> int:
    """Called by the close (casework.closing.incident_close) inside its transaction, holding
    the incident's lock: every alert on it that nobody has acknowledged is settled, saying who
    closed the incident and when, so that no supervisor is called (or escalated) to a closed
    incident. An alert someone already owns stays theirs to record a decision on. The alerts
    are kept, not deleted: the report counts them as settled by the close. Returns how many."""
    settled = list(Alert.objects.select_for_update().filter(live_q(), incident=incident).order_by("raised_at", "id"))
    if not settled:
        return 0
    Alert.objects.filter(pk__in=[a.pk for a in settled]).update(settled_at=at, settled_by=actor)
    kinds = ", ".join(a.get_reason_display().lower() for a in settled)
    log_entry_write(
        incident=incident,
        kind=EntryKind.ALERT,
        author=actor,
        at=at,
        text=f"Unacknowledged alert{'s' if len(settled) > 1 else ''} ({kinds}) settled: the incident was closed "
        f"by {actor.display_name}. No supervisor is called to it any more.",
    )
    return len(settled)


# --- Acknowledging and deciding -------------------------------------------------------------


def _acknowledge_locked(alert: Alert, *, actor: User, now: datetime, request: HttpRequest | None) -> None:
    alert.acknowledged_by = actor
    alert.acknowledged_at = now
    alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
    _send([alert], [actor], now=now)
    waited = duration_label((now - alert.raised_at).total_seconds())
    log_entry_write(
        incident=alert.incident,
        kind=EntryKind.ALERT,
        author=actor,
        at=now,
        text=f"{alert.get_reason_display()} alert acknowledged by {actor.display_name} after {waited}: they own it.",
    )
    audit_record(
        actor=actor,
        action=Action.ALTER,
        object_type="alert",
        object_id=alert.pk,
        incident_reference=alert.incident.reference,
        description=f"acknowledged after {waited}",
        request=request,
    )


def _owned_elsewhere(alert: Alert) -> Blocked:
    owner = alert.acknowledged_by
    at = timezone.localtime(alert.acknowledged_at).strftime("%H:%M") if alert.acknowledged_at else ""
    return Blocked(
        "already_acknowledged",
        f"{owner.display_name if owner else 'Another supervisor'} acknowledged this alert at {at} and owns it.",
    )


def _settled(alert: Alert) -> Blocked:
    at = timezone.localtime(alert.settled_at).strftime("%H:%M") if alert.settled_at else ""
    return Blocked(
        "incident_closed",
        f"Incident {alert.incident.reference} was closed at {at} before anyone acknowledged this alert: "
        "it needs nobody now.",
    )


def alert_acknowledge(*, alert: Alert, actor: User, request: HttpRequest | None = None) -> Alert:
    """The first supervisor to acknowledge owns the alert. Two at once: the row lock makes
    the second wait, then see the first's name (Blocked "already_acknowledged"). The owner
    acknowledging again is answered with the alert, unchanged."""
    with transaction.atomic():
        locked = Alert.objects.select_for_update().select_related("incident").get(pk=alert.pk)
        if locked.acknowledged_by_id == actor.pk:
            return locked
        if locked.acknowledged_by_id is not None:
            raise _owned_elsewhere(Alert.objects.select_related("acknowledged_by").get(pk=locked.pk))
        if locked.settled_at is not None:
            raise _settled(locked)
        _acknowledge_locked(locked, actor=actor, now=timezone.now(), request=request)
    return locked


def alert_decide(*, alert: Alert, actor: User, decision: str, note: str, request: HttpRequest | None = None) -> Alert:
    """The owner records what they did, once. Deciding an alert nobody has acknowledged
    acknowledges it first (the first to act owns it)."""
    note = (note or "").strip()
    errors: dict[str, list[str]] = dict(free_text_errors(note=note, labels={"note": "What you did"}))
    if decision not in Decision.values:
        errors["decision"] = ["Select what you decided"]
    if not note and "note" not in errors:
        errors["note"] = ["Enter what you did"]
    elif len(note) > DECISION_NOTE_MAX:
        errors["note"] = [f"What you did must be {DECISION_NOTE_MAX:,} characters or fewer"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Alert.objects.select_for_update().select_related("incident").get(pk=alert.pk)
        now = timezone.now()
        if locked.acknowledged_by_id is None and locked.settled_at is not None:
            raise _settled(locked)
        if locked.acknowledged_by_id is None:
            _acknowledge_locked(locked, actor=actor, now=now, request=request)
        elif locked.acknowledged_by_id != actor.pk:
            raise _owned_elsewhere(Alert.objects.select_related("acknowledged_by").get(pk=locked.pk))
        if locked.decided_at is not None:
            raise Blocked("already_decided", "The decision on this alert is already recorded.")
        locked.decision = decision
        locked.decision_note = note
        locked.decided_at = now
        locked.save(update_fields=["decision", "decision_note", "decided_at"])
        log_entry_write(
            incident=locked.incident,
            kind=EntryKind.ALERT,
            author=actor,
            at=now,
            text=f"Supervisor's decision on the {locked.get_reason_display().lower()} alert, by "
            f"{actor.display_name}: {Decision(decision).label}. {note}",
        )
        audit_record(
            actor=actor,
            action=Action.ALTER,
            object_type="alert",
            object_id=locked.pk,
            incident_reference=locked.incident.reference,
            description=f"decision: {Decision(decision).label}",
            request=request,
        )
    return locked


# --- Escalation -----------------------------------------------------------------------------


def alert_escalate_due(*, now: datetime | None = None) -> int:
    """Every alert unacknowledged ALERT_ESCALATE_MINUTES after it was raised goes to every
    supervisor on watch (to every supervisor when nobody is), once. Never one whose incident
    has closed: the close settled it (alert_settle_for_close), and the incident's status is
    asked too, so an alert left open on a closed incident by any other route is skipped. The conditional update
    is the claim: it waits for an acknowledgement holding the row lock, then finds the alert
    taken and does nothing. Run by beat (alerts.tasks.alert_escalate_sweep)."""
    now = now or timezone.now()
    due = list(
        Alert.objects.filter(
            live_q(),
            escalated_at__isnull=True,
            incident__status=Status.OPEN,
            raised_at__lte=escalate_raised_before(now),
        ).values_list("pk", flat=True)[:500]
    )
    count = 0
    for pk in due:
        with transaction.atomic():
            # The claim: still live, and its incident still open (a close racing the sweep
            # holds the incident's row and settles the alert; whichever commits first wins).
            won = Alert.objects.filter(live_q(), pk=pk, escalated_at__isnull=True, incident__status=Status.OPEN).update(
                escalated_at=now
            )
            if not won:
                continue
            alert = Alert.objects.select_related("incident").get(pk=pk)
            supervisors, sent_to = escalation_recipients(now=now)
            _send([alert], supervisors, now=now)
            waited = duration_label((now - alert.raised_at).total_seconds())
            log_entry_write(
                incident=alert.incident,
                kind=EntryKind.ALERT,
                at=now,
                text=f"{alert.get_reason_display()} alert unacknowledged after {waited}: sent to {sent_to}: "
                f"{_names(supervisors)}.",
            )
            count += 1
    return count
