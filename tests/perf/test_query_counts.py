"""Query counts pinned for every page and API list, proved flat in the size of the data (issue 8).

A small world is built once for the module (a team with incidents, versions, victims, texts,
returns, overdue incidents, a graded dip sample, published prompt-set versions, advice), the
queries of one request to each page are counted, then several times as much of everything
that could multiply queries is added (more incidents, versions, log entries, victims,
returns, handlers, samples, reviews and corrections, months, prompt-set versions and
acknowledgements, advice entries, categories) and each page is counted again. Both counts
must equal the pinned number: a change that adds a query per page is deliberate (update the
number here and say why), a change that adds a query per row fails on the second count.

The world lives in one transaction rolled back when the module ends (as tests/security's
does), so the two rounds of growth are paid once, not once per page.

The second request of each page is the one counted (the first warms the session and any
per-process cache), so the numbers are those of a handler's steady state.

Every GET page and API list of the URLconf is here (tests/security/test_permission_matrix.py
lists them all), except: the login page (anonymous, no data), logout (POST), the Django
admin (not ours), the API schema and its Swagger page (generated documentation, no data),
and the POST-only endpoints.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from alerts.models import Alert
from alerts.rules import live_q
from alerts.services import alert_acknowledge, alert_decide
from audit.models import Action
from audit.services import audit_record
from casework.services import assessment_record, incident_close
from incidents.models import Category, Incident
from incidents.services import incident_add_note
from qa.exemptions import exemption_check_record
from qa.models import DisputeOutcome, ExemptionCheck, LearningTheme, Review, Sample, SampleItem
from qa.services import dispute_raise, dispute_resolve, review_correct, review_record, sample_draw
from tests.factories import TeamFactory, UserFactory, api_token, complete_answers, make_incident
from tests.qa.factories import grades
from thrive.models import Assessment, AssessmentReturn, AssessmentStatus, PromptSet, PromptSetStatus
from thrive.returns import assessment_return
from thrive.wording import (
    briefing_record,
    prompt_set_draft_start,
    prompt_set_publish,
    prompt_set_update_draft,
    wording_acknowledge,
)
from victims.models import PreventionAdvice, Text, TextStatus
from victims.services import victim_link

# Every test reads the module's world (and pytest-django sets the test database up only for
# a run that has a database test in it).
pytestmark = pytest.mark.django_db

FEW, MANY = 2, 8

# The pinned counts, page by page, as measured when this file was written (a signed-in
# browser page pays for the session, the user and the navigation badges before its own
# queries; an API call for its token). What matters is that each is the same with few and
# with many rows.
PINNED: dict[str, int] = {
    # The session, the user; one query for one's open incidents (the list, its count and the
    # handover form's, issue 18), drafts, failed texts, the team's colleagues to hand over to
    # (issue 15), the wording banner, returned to me: their count (the header's badge too)
    # and, as this world's handler has one, the list (without any, 9), new QA feedback.
    "handler_home": 10,
    # As a handler's less the failed texts and QA feedback (the page shows neither) and the
    # returned list (this world's supervisor has none returned), + the
    # team's overdue list and latest submissions, its open returns, and (issue 15, rule 13)
    # the supervisor's watch and the alert panel (one query each).
    "supervisor_home": 12,
    "incident_list": 7,  # the same count tests/incidents/test_query_counts.py pins
    # +1 (issue 13): the audit row for the victims the panel shows, one insert for them all.
    # +1 (issue 18): the page reads a slice of the history, not all of it: the newest versions,
    # then the latest submitted version and the reader's draft wherever they are, then the
    # newest log entries (three small reads where two prefetches read everything).
    "incident_detail": 13,
    # Issue 18: the log's and the versions' own pages (the session, the user, the badge, the
    # incident, the audit row of the read, the page of rows; an older log page + its anchor).
    "incident_log": 6,
    "incident_log_older": 7,
    "incident_versions": 6,
    "incident_versions_older": 6,
    # Was 6: + the numbers this incident has texted, for the "Send again" choice (rule 12;
    # read only once the incident has a submitted version), + the audit row for the last
    # version's answers the re-THRIVE starts from (issue 13: every read of answers recorded).
    # +2 (issue 19): the incident's victims in the side panel, and the one insert recording their read.
    "assessment_form": 10,
    "assessment_version": 6,
    "review_queue": 8,  # was 9: the queue's length comes with its rows (a window count)
    "returned_to_me": 4,
    "victim_check": 6,
    # Issue 18: each of the figures' measures (QA, compliance, exemption audit, Victims' Code)
    # first asks which months the monthly summary answers for (qa.summary), then reads each
    # family once, from the summary or live: +1 per measure on every page and export below.
    "qa_dashboard": 10,  # + the exemption audit's one aggregate (qa.exemptions)
    "qa_drilldown": 4,
    "qa_sample_list": 4,
    # + the findings on the handler's own exempt closures; was 8 until issue 18 read the disputes
    # raised on the page's reviews and those answered by a correction in one query.
    "qa_feedback": 7,
    # Was 4 while the world had no disputes: the themes of the disputed reviews are prefetched.
    "qa_disputes": 6,  # + the grade scale for the change form
    # Was 4 while the audit log was empty (an empty page is not read): the count and the page.
    "audit_search": 5,
    "api_incident_list": 3,
    # +1 (issue 13): the audit rows for the victims it discloses, one insert for them all.
    "api_incident_detail": 8,
    # The CAD's routes (cad/): the same detail found by cad_ref, as many as the reference's;
    # the closure check asks the closure rule for an ordinary code and for each exempt code
    # (which today reads nothing more), whatever the log holds.
    "api_cad_incident_detail": 8,
    # The token, the incident, the latest version (with its author), its open return (the
    # rule's check), the exempt codes, all their policy lines at once, and the return for the
    # answer's status: the rule is asked per exempt code over what was read once, so the
    # count no longer grows with the force's codes and lines (was 18 with the seeded ones;
    # tests/cad/test_closure.py adds codes and lines and checks it stays the same).
    "api_cad_closure": 7,
    "api_incident_victims": 4,  # the token, the incident, its victims, one insert of the audit rows
    "api_incident_texts": 3,
    "api_assessments_returned": 3,
    "api_qa_monthly": 3,  # the token and the one monthly aggregate
    # --- the rest of the URLconf ---
    # The current prompt set; the force's model, its newest published version, who has
    # acknowledged it and the staff (thrive.wording.trained_by_team); +1 (issue 15): who
    # attended a briefing on it, which is what counts as trained.
    "trainer_home": 8,
    "analyst_home": 4,  # the session, the user, the six months' QA aggregate
    # The session, the user, the badge: an administrator's page (a superuser's too) shows
    # none of a handler's lists, so reads none (issue 18).
    "admin_home": 3,
    # Watch handover's page: the session, the user, the badge, the list, the colleagues.
    "incident_handover": 5,
    # Reopening: the session, the user, the badge, the incident with its closure and owner.
    "incident_reopen": 4,
    "shortcuts": 3,  # the session, the user, the returns badge
    "incident_list_overdue": 7,  # as incident_list, filtered
    "incident_create": 4,  # + the active categories
    "prompt_set_current": 4,  # + the current prompt set
    # The version with its incident, the incident's last 20 log entries, its open return.
    # +1 (issue 13): the audit row for reading the answers.
    "review_detail": 7,
    # The return (with its version's wording), the incident's versions, the current prompt
    # set, the numbers the incident has texted (rule 12's "Send again"), and the incident's
    # category (read lazily by the template: one query, not per row); +1 since issue 13: the
    # audit row for the returned version's answers the form is prefilled with. The "has a
    # draft?" query it had is gone: the incident's versions already say. +2 (issue 19): the
    # victim panel, as on the form: the incident's victims and the one insert recording their read.
    "returned_revise": 11,
    # The force's model, its current version, every family's newest, drafts, published.
    "wording_home": 7,
    "wording_draft": 3,  # the session, the user, the draft
    "wording_preview": 3,
    "wording_diff": 4,  # + the published version it is compared with
    "wording_changes": 5,  # the version, the one before it, the returns badge
    # The model, its versions, who attended a briefing on it (issue 15), who acknowledged,
    # the staff, its emails by status.
    "wording_trained": 8,
    "victim_link": 4,  # + the incident
    # + the incident and its texts; a fragment without the header does not count the
    # author's returns (issue 18: the navigation is worked out only where it is shown).
    "incident_texts_fragment": 4,
    "incident_texts_all": 5,
    "advice_list": 3,  # + the advice, with its category joined
    "advice_edit": 3,
    # The closure codes, then one aggregate each for closures, re-THRIVEs and texts
    # (qa.compliance); the teams and the staff for the filters.
    # + the missed re-THRIVEs and the exemption audit (issue 15); +3 (issue 15): the Victims'
    # Code per month, per team and per handler (qa.victims_code), one aggregate each.
    "qa_compliance": 16,
    # The monthly aggregate and the export's record; +3 since issue 13: the record and its
    # audit row are written in one transaction (a savepoint and its release here, inside
    # the test's transaction) and the audit row is one insert.
    "qa_export_csv": 8,
    # The same, the compliance sheet's five queries, the exemption sheet's one and the
    # Victims' Code sheet's three (issue 15).
    "qa_export_xlsx": 20,
    "qa_sample_detail": 7,  # the sample, its items (joined), their current reviews, its exemption checks
    # The item (joined), its current review and its themes, every version and their themes,
    # the active themes, the badge.
    # +2 (issue 13): the graded version read through thrive.selectors.get_assessment_for_user
    # (draft and access check) and the audit row for reading its answers.
    "qa_item_review": 12,  # + the grade scale (issue 15)
    "qa_sample_list_admin": 5,  # + the teams to draw for
    "qa_sample_detail_admin": 7,
    "qa_disputes_admin": 6,
    # The results fragment reads neither the team's handlers nor the categories, nor (issue
    # 18) the header's count of the author's returns, nor (issue 18) the open returns below
    # the results; the queue's length comes with its rows (a window count).
    "review_queue_htmx": 3,
    "api_incident_list_overdue": 3,
    # The token, the version (joined, its incident with it: the access check needs no second
    # read since issue 13), the audit row.
    "api_assessment_detail": 3,
    "api_prompt_set_current": 2,
    "api_prompt_set_detail": 3,  # the token, the force's model, the version
    "api_qa_compliance": 7,  # the token and qa.compliance's five
    # The check (joined: sample, incident, closure code, category, who closed, reviewer), the badge.
    "qa_exemption_audit": 4,
    "api_qa_exemption_monthly": 3,  # the token and the one aggregate
    # Issue 15. The session, the user, the briefings (one query, with their versions,
    # recorders and attendance counts), the force's model and its current version.
    "briefing_list": 5,
    "briefing_detail": 4,  # the session, the user, the briefing, its attendees with their teams
    # The session, the user, the published versions, the force's model and its current
    # version, the staff with their teams.
    "briefing_create": 6,
    # The Victims' Code per month, team and handler (qa.victims_code), one aggregate each,
    # after the export's record and audit row (as qa_export_csv).
    "qa_victims_code_csv": 10,
    "api_qa_victims_code": 5,  # the token, which months are summarised, and the three aggregates
    "api_briefing_list": 3,  # the token, the count and a page of briefings (with their counts)
    "api_briefing_detail": 3,  # the token, the briefing, its attendees
    # Rule 13 (alerts/). The polled fragment: the session, the user, the alerts (no header).
    "alerts_panel": 3,
    "alerts_queue": 5,  # the session, the user, the header's badge, the alerts, the watch
    "alerts_decision": 4,  # the session, the user, the alert (joined), the badge
    "alerts_report": 5,  # the session, the user, the teams, the months, the month's alerts
    # The operations page (ops/): the session, the user, texts by status, the stuck texts
    # (with their references), deliveries by status, the stuck ones, the workers, the
    # sweeps, the lockouts, the overdue count, the header's returns badge; whatever the
    # number of each.
    "ops_overview": 11,
    "api_alerts": 3,  # the token, the count, the page
    "api_webhooks": 2,  # the token, the subscriptions
    "api_webhook_deliveries": 3,  # the token, the subscription, its newest deliveries with their events
}
# Known to grow with the data today; strict, so the fix turns the test red until the pin is updated.
GROWS: dict[str, str] = {}


@dataclass
class World:
    handler: User
    supervisor: User
    analyst: User
    admin: User
    trainer: User
    busy: Incident | None = None
    months: list[date] = field(default_factory=list)
    phase: int = 0
    sample: Sample | None = None  # the newest dip sample (one item per handler of the month)
    item: SampleItem | None = None  # graded, then corrected again each phase
    exemption_check: ExemptionCheck | None = None  # the first exempt closure drawn for the audit
    open_return: AssessmentReturn | None = None  # the handler's newest open return
    prompt_draft: PromptSet | None = None  # the trainer's open draft, its wording changed
    prompt_published: PromptSet | None = None  # the newest published version
    advice: PreventionAdvice | None = None
    briefing: Any = None  # the newest training briefing (thrive.models.Briefing)
    alert: Alert | None = None  # an open alert to the supervisor (rule 13)


def _texting_answers(phone: str) -> dict[str, Any]:
    return complete_answers(
        prevention={"send_link": True, "safe_to_text_confirmed": True, "phone": phone, "link_not_sent_reason": ""}
    )


def _grow_wording(world: World, n: int, staff: list[User]) -> None:
    """n // 2 more published versions (each with a change summary), acknowledged by the team's
    new handlers (never by `handler`, so the acknowledgement banner stays the same), and a
    new open draft whose wording differs from the published one."""
    trainer = world.trainer
    for number in range(max(1, n // 2)):
        draft = prompt_set_draft_start(actor=trainer)
        sections = [dict(section) for section in draft.sections]
        sections[0]["guidance"] = f"{sections[0].get('guidance', '')} Phase {world.phase}, change {number}.".strip()
        draft = prompt_set_update_draft(
            prompt_set=draft, actor=trainer, sections=sections, change_summary=f"Change {world.phase}.{number}"
        )
        published = prompt_set_publish(prompt_set=draft, actor=trainer)
        for person in staff[1:]:
            wording_acknowledge(user=person, prompt_set=published)
        world.prompt_published = published
        # A briefing on it for every new member of staff (issue 15: attendance is trained).
        world.briefing = briefing_record(
            actor=trainer,
            held_on=timezone.localdate(),
            topic=f"Briefing {world.phase}.{number}",
            prompt_set_id=published.pk,
            attendee_ids=[person.pk for person in staff],
        )
    draft = prompt_set_draft_start(actor=trainer)
    sections = [dict(section) for section in draft.sections]
    sections[0]["title"] = f"{sections[0]['title']} (draft {world.phase})"
    world.prompt_draft = prompt_set_update_draft(prompt_set=draft, actor=trainer, sections=sections)


def grow(world: World, n: int) -> None:
    """Add n of everything a page lists to the world (and one more of each to the busy incident)."""
    world.phase += 1
    handler, supervisor = world.handler, world.supervisor
    for number in range(n):
        incident = make_incident(handler=handler, assessed=True, versions=1 + number % 2, closed=number % 3 == 2)
        victim_link(
            incident=incident,
            actor=handler,
            name=f"Victim {world.phase} {number}",
            date_of_birth=date(1980, 1, 1 + number),
            phone=f"07700900{world.phase}{number:02d}",
            address=f"{number + 1} High Street",
            postcode="AB1 2CD",
        )
        if number % 3 != 2:  # open: return its latest version to the handler
            latest = incident.assessments.filter(status=AssessmentStatus.SUBMITTED).order_by("-version").first()
            world.open_return = assessment_return(
                assessment=latest, actor=supervisor, reason="poor_quality", sections=["harm"], feedback="More, please."
            )
        # Overdue: open, assessed ten days ago, its re-THRIVE long past due.
        make_incident(handler=handler, opened_at=timezone.now() - timedelta(days=10), assessed=True)
    # The busy incident: one more victim, version (with a text), note each phase.
    if world.busy is None:
        world.busy = make_incident(handler=handler, assessed=True)
    for number in range(n):
        victim_link(
            incident=world.busy,
            actor=handler,
            name=f"Busy {world.phase} {number}",
            date_of_birth=date(1975, 2, 1 + number),
            phone=f"07700901{world.phase}{number:02d}",
        )
        incident_add_note(incident=world.busy, actor=handler, text=f"Note {world.phase} {number}")
        assessment_record(
            incident=Incident.objects.get(pk=world.busy.pk),
            author=handler,
            data=_texting_answers(f"07700901{world.phase}{number:02d}"),
            submit=True,
        )
    # QA: n more handlers in the team, each with a closed, assessed incident in a new month;
    # a sample drawn for that month and every item graded; the first item ever graded is
    # corrected n more times (its grading page lists every version).
    month = date(2025, world.phase, 1)
    world.months.append(month)
    team_handlers = [handler] + [
        UserFactory(handler=True, username=f"h{world.phase}_{number}", team=handler.team) for number in range(n - 1)
    ]
    for person in team_handlers:
        incident = make_incident(
            handler=person, opened_at=datetime(2025, world.phase, 10, 9, tzinfo=UTC), assessed=True
        )
        incident_close(
            incident=incident,
            actor=person,
            closure_code="crime_recorded",
            closed_at=datetime(2025, world.phase, 10, 11, tzinfo=UTC),
        )
        # An exempt closure each too, for the exemption audit drawn with the sample.
        exempt = make_incident(handler=person, opened_at=datetime(2025, world.phase, 11, 9, tzinfo=UTC))
        incident_close(
            incident=exempt,
            actor=person,
            closure_code="duplicate",
            exemption_reason="Duplicate of an earlier call.",
            closed_at=datetime(2025, world.phase, 11, 10, tzinfo=UTC),
        )
    sample = sample_draw(actor=supervisor, month=month, per_handler=3, seed=7, now=datetime(2025, 12, 1, tzinfo=UTC))
    for number, check in enumerate(ExemptionCheck.objects.filter(sample=sample).order_by("pk")):
        if number % 2:  # every other one audited
            exemption_check_record(check=check, reviewer=supervisor, justified=number % 4 == 1, feedback="Call back.")
    world.exemption_check = world.exemption_check or ExemptionCheck.objects.filter(sample=sample).order_by("pk").first()
    themes = list(LearningTheme.objects.filter(name__startswith="Perf theme").values_list("pk", flat=True))
    for number, item in enumerate(SampleItem.objects.filter(sample=sample).order_by("pk")):
        review = review_record(
            item=item, reviewer=supervisor, data=grades(good_practice=number % 2 == 0, themes=themes[: 1 + number % 3])
        )
        if item.handler_id != handler.pk:  # the others dispute their grade; every other dispute is answered
            dispute = dispute_raise(review=review, actor=item.handler, comment="The advice was given.")
            if number % 2:
                dispute_resolve(dispute=dispute, actor=supervisor, outcome=DisputeOutcome.UPHELD, response="Upheld.")
    world.sample = sample
    world.item = world.item or SampleItem.objects.filter(sample=sample).order_by("pk").first()
    for number in range(n):
        current = Review.objects.get(item=world.item, current=True)
        review_correct(
            review=current, reviewer=supervisor, data=grades(themes=themes), reason=f"Correction {world.phase}.{number}"
        )
    # Wording: more published versions, acknowledgements and staff; a fresh draft.
    _grow_wording(world, n, team_handlers)
    # Texts: the busy incident's new texts sent, delivered or failed (one left queued), so
    # the handler's failed-text notice, the texts table and the compliance counts have rows.
    statuses = [TextStatus.SENT, TextStatus.DELIVERED, TextStatus.FAILED]
    for number, text in enumerate(world.busy.texts.filter(status=TextStatus.QUEUED).order_by("pk")[: n - 1]):
        status, now = statuses[number % 3], timezone.now()
        failed = status == TextStatus.FAILED
        Text.objects.filter(pk=text.pk).update(
            status=status, sent_at=None if failed else now, failed_at=now if failed else None
        )
    # Alerts (rule 13): every high-risk incident above alerted the supervisor; of the open
    # ones, every other is acknowledged and every fourth decided, so each list has rows (the
    # closed incidents' alerts were settled by their close: the report counts those).
    for number, alert in enumerate(Alert.objects.filter(live_q()).order_by("pk")[:n]):
        if number % 2:
            alert_acknowledge(alert=alert, actor=supervisor)
        if number % 4 == 1:
            alert_decide(alert=alert, actor=supervisor, decision="advised", note=f"Advice {world.phase}.{number}")
    world.alert = Alert.objects.filter(live_q()).order_by("pk").first()
    # Audit: n more events (the audit search lists them).
    for number in range(n):
        audit_record(
            actor=handler, action=Action.CONSULT, object_type="incident", object_id=world.busy.pk,
            incident_reference=world.busy.reference, description=f"Read {world.phase}.{number}",
        )  # fmt: skip
    # Operations (ops/): n more workers seen (every other not recently), n lockouts, and n of
    # the webhook deliveries made stuck (failed, or pending and old), so every table of the
    # operations page grows; the failed texts above are its stuck texts.
    _grow_operations(world, n)
    # Advice: n more categories, each with its advice.
    for number in range(n):
        category = Category.objects.create(code=f"perf-{world.phase}-{number}", name=f"Perf {world.phase} {number}")
        world.advice = PreventionAdvice.objects.create(
            category=category, title=f"Advice {world.phase} {number}", url="https://example.org/a", message="Advice:"
        )


def _grow_operations(world: World, n: int) -> None:
    from axes.models import AccessAttempt
    from django.conf import settings

    from ops.models import WorkerHeartbeat
    from webhooks.models import Delivery

    now = timezone.now()
    for number in range(n):
        seen = now - timedelta(hours=number % 2)
        WorkerHeartbeat.objects.create(
            hostname=f"celery@perf-{world.phase}-{number}", started_at=seen - timedelta(hours=1), last_seen=seen
        )
        AccessAttempt.objects.create(
            username=f"locked-{world.phase}-{number}",
            ip_address="192.0.2.7",
            user_agent="perf",
            failures_since_start=settings.AXES_FAILURE_LIMIT,
            attempt_time=now,
        )
    pending = Delivery.objects.filter(status="pending").order_by("pk")
    for number, delivery in enumerate(pending[:n]):
        if number % 2:
            Delivery.objects.filter(pk=delivery.pk).update(status="failed")
        else:
            Delivery.objects.filter(pk=delivery.pk).update(created_at=now - timedelta(hours=1))


def browser(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(user)}")
    return client


def qa_range(world: World) -> str:
    return "from=2025-01&to=2025-12"


HTMX = {"HX-Request": "true"}

# name -> (who asks, browser or api, the URL given the world[, request headers])
PAGES: dict[str, tuple[Any, ...]] = {
    "handler_home": ("handler", "browser", lambda w: "/"),
    "supervisor_home": ("supervisor", "browser", lambda w: "/"),
    "incident_list": ("handler", "browser", lambda w: "/incidents/"),
    "incident_detail": ("handler", "browser", lambda w: f"/incidents/{w.busy.reference}/"),
    "incident_log": ("handler", "browser", lambda w: f"/incidents/{w.busy.reference}/log/"),
    "incident_log_older": (
        "handler",
        "browser",
        lambda w: f"/incidents/{w.busy.reference}/log/?before={w.busy.entries.order_by('at', 'id').last().pk}",
    ),
    "incident_versions": ("handler", "browser", lambda w: f"/incidents/{w.busy.reference}/versions/"),
    "incident_versions_older": (
        "handler",
        "browser",
        lambda w: f"/incidents/{w.busy.reference}/versions/?before={w.busy.assessments.count()}",
    ),
    "assessment_form": ("handler", "browser", lambda w: f"/thrive/incidents/{w.busy.reference}/assessment/"),
    "assessment_version": ("handler", "browser", lambda w: f"/thrive/incidents/{w.busy.reference}/assessment/v1/"),
    "review_queue": ("supervisor", "browser", lambda w: "/thrive/reviews/"),
    "returned_to_me": ("handler", "browser", lambda w: "/thrive/returned/"),
    "victim_check": ("handler", "browser", lambda w: f"/victims/{w.busy.victims.order_by('pk').last().pk}/"),
    "qa_dashboard": ("analyst", "browser", lambda w: f"/qa/?{qa_range(w)}"),
    "qa_drilldown": ("supervisor", "browser", lambda w: f"/qa/reviews/?{qa_range(w)}&month=2025-01"),
    "qa_sample_list": ("supervisor", "browser", lambda w: "/qa/samples/"),
    "qa_feedback": ("handler", "browser", lambda w: "/qa/feedback/"),
    "qa_disputes": ("supervisor", "browser", lambda w: "/qa/disputes/"),
    "audit_search": ("admin", "browser", lambda w: "/audit/"),
    "api_incident_list": ("handler", "api", lambda w: "/api/incidents/"),
    "api_incident_detail": ("handler", "api", lambda w: f"/api/incidents/{w.busy.reference}/"),
    "api_incident_victims": ("handler", "api", lambda w: f"/api/incidents/{w.busy.reference}/victims/"),
    "api_incident_texts": ("handler", "api", lambda w: f"/api/incidents/{w.busy.reference}/texts/"),
    "api_assessments_returned": ("handler", "api", lambda w: "/api/assessments/?returned_to=me"),
    "api_qa_monthly": ("analyst", "api", lambda w: f"/api/qa/monthly/?{qa_range(w)}"),
    # Added for the rest of the URLconf (every GET of tests/security's MATRIX).
    "trainer_home": ("trainer", "browser", lambda w: "/"),
    "analyst_home": ("analyst", "browser", lambda w: "/"),
    "admin_home": ("admin", "browser", lambda w: "/"),
    "shortcuts": ("handler", "browser", lambda w: "/help/shortcuts/"),
    "incident_list_overdue": ("supervisor", "browser", lambda w: "/incidents/?overdue=true"),
    "incident_create": ("handler", "browser", lambda w: "/incidents/new/"),
    "prompt_set_current": ("handler", "browser", lambda w: "/thrive/prompt-wording/"),
    "review_detail": (
        "supervisor",
        "browser",
        lambda w: f"/thrive/reviews/{w.busy.assessments.order_by('version').last().pk}/",
    ),
    "returned_revise": ("handler", "browser", lambda w: f"/thrive/returned/{w.open_return.pk}/revise/"),
    "wording_home": ("trainer", "browser", lambda w: "/thrive/wording/"),
    "wording_draft": ("trainer", "browser", lambda w: f"/thrive/wording/drafts/{w.prompt_draft.pk}/"),
    "wording_preview": ("trainer", "browser", lambda w: f"/thrive/wording/drafts/{w.prompt_draft.pk}/preview/"),
    "wording_diff": ("trainer", "browser", lambda w: f"/thrive/wording/drafts/{w.prompt_draft.pk}/diff/"),
    "wording_changes": ("handler", "browser", lambda w: f"/thrive/wording/versions/{w.prompt_published.pk}/changes/"),
    "wording_trained": ("trainer", "browser", lambda w: "/thrive/training/"),
    "victim_link": ("handler", "browser", lambda w: f"/victims/incidents/{w.busy.reference}/link/"),
    "incident_texts_fragment": ("handler", "browser", lambda w: f"/victims/incidents/{w.busy.reference}/texts/", HTMX),
    "incident_texts_all": ("handler", "browser", lambda w: f"/victims/incidents/{w.busy.reference}/texts/all/"),
    "advice_list": ("trainer", "browser", lambda w: "/victims/advice/"),
    "advice_edit": ("trainer", "browser", lambda w: f"/victims/advice/{w.advice.pk}/"),
    "qa_compliance": ("analyst", "browser", lambda w: f"/qa/compliance/?{qa_range(w)}"),
    "qa_export_csv": ("analyst", "browser", lambda w: f"/qa/export.csv?{qa_range(w)}"),
    "qa_export_xlsx": ("analyst", "browser", lambda w: f"/qa/export.xlsx?{qa_range(w)}"),
    "qa_sample_detail": ("supervisor", "browser", lambda w: f"/qa/samples/{w.sample.pk}/"),
    "qa_item_review": ("supervisor", "browser", lambda w: f"/qa/items/{w.item.pk}/review/"),
    # An administrator's QA lists are of every team (and the sample list offers the teams).
    "qa_sample_list_admin": ("admin", "browser", lambda w: "/qa/samples/"),
    "qa_sample_detail_admin": ("admin", "browser", lambda w: f"/qa/samples/{w.sample.pk}/"),
    "qa_disputes_admin": ("admin", "browser", lambda w: "/qa/disputes/"),
    "review_queue_htmx": ("supervisor", "browser", lambda w: "/thrive/reviews/", HTMX),  # the filtered results
    "api_incident_list_overdue": ("supervisor", "api", lambda w: "/api/incidents/?overdue=true"),
    "api_assessment_detail": (
        "handler",
        "api",
        lambda w: f"/api/assessments/{w.busy.assessments.order_by('version').last().pk}/",
    ),
    "api_prompt_set_current": ("handler", "api", lambda w: "/api/prompt-sets/current/"),
    "api_prompt_set_detail": ("trainer", "api", lambda w: f"/api/prompt-sets/{w.prompt_draft.version}/"),
    "api_qa_compliance": ("analyst", "api", lambda w: f"/api/qa/compliance/?{qa_range(w)}"),
    "incident_handover": ("handler", "browser", lambda w: "/incidents/handover/"),
    "incident_reopen": (
        "supervisor",
        "browser",
        lambda w: f"/incidents/{Incident.objects.filter(status='closed').order_by('pk').last().reference}/reopen/",
    ),
    "qa_exemption_audit": ("supervisor", "browser", lambda w: f"/qa/exemptions/{w.exemption_check.pk}/"),
    "api_qa_exemption_monthly": ("analyst", "api", lambda w: f"/api/qa/exemption-audits/monthly/?{qa_range(w)}"),
    "briefing_list": ("trainer", "browser", lambda w: "/thrive/briefings/"),
    "briefing_detail": ("trainer", "browser", lambda w: f"/thrive/briefings/{w.briefing.pk}/"),
    "briefing_create": ("trainer", "browser", lambda w: "/thrive/briefings/new/"),
    "qa_victims_code_csv": ("analyst", "browser", lambda w: f"/qa/victims-code.csv?{qa_range(w)}"),
    "api_qa_victims_code": ("analyst", "api", lambda w: f"/api/qa/victims-code/?{qa_range(w)}"),
    "api_briefing_list": ("trainer", "api", lambda w: "/api/briefings/"),
    "api_briefing_detail": ("trainer", "api", lambda w: f"/api/briefings/{w.briefing.pk}/"),
    "alerts_panel": ("supervisor", "browser", lambda w: "/alerts/panel/", HTMX),
    "alerts_queue": ("supervisor", "browser", lambda w: "/alerts/"),
    "alerts_decision": ("supervisor", "browser", lambda w: f"/alerts/{w.alert.pk}/decision/"),
    "alerts_report": ("analyst", "browser", lambda w: f"/alerts/report/?month={timezone.localdate():%Y-%m}"),
    "api_alerts": ("supervisor", "api", lambda w: "/api/alerts/"),
    "api_cad_incident_detail": ("handler", "api", lambda w: f"/api/cad/incidents/{CAD_REF}/"),
    "api_cad_closure": ("handler", "api", lambda w: f"/api/cad/incidents/{CAD_REF}/closure/"),
    "api_webhooks": ("admin", "api", lambda w: "/api/webhooks/"),
    "api_webhook_deliveries": ("admin", "api", lambda w: f"/api/webhooks/{_webhook_pk()}/deliveries/"),
    "ops_overview": ("admin", "browser", lambda w: "/ops/"),
}


def _webhook_pk() -> int:
    """The world's one subscription (to every event: its delivery log grows with the world)."""
    from webhooks.models import Subscription

    return Subscription.objects.get().pk


# GET URLs not counted, on purpose: the sign-in pages (anonymous, reading no data: the login
# page, its break-glass twin, and single sign-on's start and callback, which read one staff
# record per sign-in), and the API's generated schema and its Swagger page (documentation of
# the code, not of the data). The Django admin is not in the matrix (not ours), nor are
# POST-only URLs. The CAD's deep link is a redirect (302) after one look-up by the unique cad_ref.
SKIPPED = {
    "accounts:login",
    "accounts:login_break_glass",
    "accounts:sso_start",
    "accounts:sso_callback",
    "api:schema",
    "api:docs",
    "cad:deep-link",
    # Machine endpoints (ops/): health reads no table but the heartbeat and the migrations;
    # the metrics scrape is pinned in tests/ops/test_metrics.py. (The administrators'
    # operations page is pinned above: ops_overview.)
    "ops:health-live",
    "ops:health-ready",
    "ops:metrics",
}
CAD_REF = "PERF/0001"


def count_queries(world: World, name: str) -> tuple[int, int, list[str]]:
    """(status, number of queries, their SQL) of the second request to the page."""
    who, kind, url_for, *rest = PAGES[name]
    headers = rest[0] if rest else {}
    user = getattr(world, who)
    client = browser(user) if kind == "browser" else api(user)
    url = url_for(world)
    client.get(url, headers=headers)  # warm the session, the user and any per-process cache
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    return response.status_code, len(queries), [query["sql"][:200] for query in queries]


def _measure_all(world: World) -> dict[str, tuple[int, int, list[str]] | str]:
    """Every page, each in its own savepoint: a page that fails is reported, not fatal."""
    found: dict[str, tuple[int, int, list[str]] | str] = {}
    for name in PAGES:
        try:
            with transaction.atomic():
                found[name] = count_queries(world, name)
        except Exception as exc:  # reported by the page's own test
            found[name] = f"{type(exc).__name__}: {exc}"
    return found


@dataclass
class Measured:
    world: World
    few: dict[str, tuple[int, int, list[str]] | str]
    many: dict[str, tuple[int, int, list[str]] | str]


def _restore_migrations_data() -> None:
    """As tests/conftest.py's autouse fixture, for a module fixture that runs before it: a
    transactional test earlier in the run may have flushed the migrations' rows."""
    import importlib

    from django.apps import apps

    from tests.conftest import MIGRATION_DATA

    with connection.schema_editor() as editor:
        for module, function, model in MIGRATION_DATA:
            if not apps.get_model(model).objects.exists():
                getattr(importlib.import_module(module), function)(apps, editor)


@pytest.fixture(scope="module")
def measured(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Measured]:
    """The world grown twice, every page counted after each growth; rolled back at the end."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            _restore_migrations_data()
            for name in ("Perf theme: rationale", "Perf theme: voice of the child", "Perf theme: safeguarding"):
                LearningTheme.objects.create(name=name)
            team = TeamFactory(name="Blue Watch")
            world = World(
                handler=UserFactory(handler=True, username="handler", team=team),
                supervisor=UserFactory(supervisor=True, username="supervisor", team=team),
                analyst=UserFactory(analyst=True, username="analyst"),
                admin=UserFactory(admin=True, username="administrator"),
                trainer=UserFactory(trainer=True, username="trainer"),
            )
            from webhooks.rules import EVENT_TYPES
            from webhooks.services import webhook_subscription_create

            webhook_subscription_create(
                actor=world.admin, url="https://cad.example.police.uk/in", events=list(EVENT_TYPES)
            )
            grow(world, FEW)
            Incident.objects.filter(pk=world.busy.pk).update(cad_ref=CAD_REF)  # it came from the CAD
            few = _measure_all(world)
            grow(world, MANY)
            many = _measure_all(world)
            yield Measured(world=world, few=few, many=many)
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.parametrize(
    "name",
    [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=GROWS[name])) if name in GROWS else name
     for name in PAGES],
)  # fmt: skip
def test_each_page_costs_a_pinned_number_of_queries_whatever_the_data(measured, name):
    few, many = measured.few[name], measured.many[name]
    assert not isinstance(few, str), f"{name} with few rows: {few}"
    assert not isinstance(many, str), f"{name} with many rows: {many}"
    assert (few[0], many[0]) == (200, 200), f"{name}: answered {few[0]} and {many[0]}"
    pin = PINNED.get(name)
    shown = "\n".join(many[2])
    assert (few[1], many[1]) == (pin, pin), f"{name}: {few[1]} queries with few rows, {many[1]} with many:\n{shown}"


def test_every_get_url_of_the_urlconf_is_counted_or_skipped_on_purpose(measured):
    """A new GET page or API list fails here until it is pinned above (or skipped, with why)."""
    from tests.security.test_permission_matrix import MATRIX

    counted = {resolve(url_for(measured.world).split("?")[0]).view_name for _, _, url_for, *_ in PAGES.values()}
    missing = sorted(name for name, methods in MATRIX.items() if "GET" in methods and name not in counted | SKIPPED)
    assert not missing, f"GET URLs with no pinned query count: {missing}"


def test_the_world_really_grew(measured):
    world = measured.world
    assert Assessment.objects.filter(incident=world.busy).count() == 1 + FEW + MANY
    assert world.busy.victims.count() == FEW + MANY
    assert world.busy.texts.count() == FEW + MANY
    assert len(world.months) == 2
    assert Sample.objects.filter(withdrawn_at__isnull=True).count() == 2
    assert world.sample.items.count() == MANY
    assert Review.objects.filter(item=world.item).count() == 1 + FEW + MANY
    assert PromptSet.objects.filter(status=PromptSetStatus.PUBLISHED).count() >= 1 + FEW // 2 + MANY // 2
    assert PreventionAdvice.objects.filter(category__code__startswith="perf-").count() == FEW + MANY
    assert Incident.objects.overdue(timezone.now()).count() >= FEW + MANY
