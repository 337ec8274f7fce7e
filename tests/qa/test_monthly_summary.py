"""Issue 18: the monthly summary (qa.summary). Settled months are read from stored counts, the
current month live; for every month, filter and measure the two added together must equal
counting everything live, and a late change to a settled month (a late return, a reopen, a
text's receipt days later, a grade, a Victims' Code answer, an exemption finding, a late
re-THRIVE, a change to the grade scale) must show at once and identically in both paths."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Team
from casework.services import assessment_record
from incidents.models import Incident
from incidents.reopen import incident_reopen
from qa.compliance import compliance_monthly
from qa.exemptions import exemption_audit_monthly, exemption_check_record
from qa.models import Check, ExemptionCheck, Grade, GradeLevel, MonthlyCount, Review, SampleItem, SummaryMonth
from qa.rules import local_month, month_add
from qa.scale import grade_level_save
from qa.selectors import QaFilters, qa_monthly
from qa.services import review_correct, review_record, sample_draw
from qa.summary_build import summaries_build, summaries_refresh
from qa.victims_code import victims_code_figures
from tests.factories import TeamFactory, UserFactory, complete_answers, make_incident
from tests.qa.factories import closed_incident, grades
from thrive.returns import assessment_return
from victims.models import Text, TextStatus, Victim
from victims.services import victim_link
from victims.texts import text_receipt
from victims.victims_code import victims_code_record

pytestmark = pytest.mark.django_db

TEXTING = {
    "prevention": {
        "advice": "Advised on locks.",
        "send_link": True,
        "phone": "07700 900123",
        "safe_to_text_confirmed": True,
        "link_not_sent_reason": "",
    }
}
ALL_GIVEN = {"told_what_happens_next": "yes", "written_acknowledgement_offered": "yes", "support_information": "yes"}
# What the pages read from: a query naming any of these counted live.
SOURCE_TABLES = (
    '"incidents_incident"',
    '"thrive_assessment"',
    '"victims_text"',
    '"victims_victim"',
    '"qa_review"',
    '"qa_exemptioncheck"',
)


def at(month: date, day: int, hour: int = 10) -> datetime:
    return datetime(month.year, month.month, day, hour, tzinfo=UTC)


@pytest.fixture
def world(admin_user):
    """Three settled months and the current one, two teams, three handlers. In each settled
    month each handler closes incidents (assessed and exempt), re-THRIVEs on time and late,
    leaves one open past its re-THRIVE (missed), has texts asked for (queued, sent,
    delivered) and victims of crime (answers given, or not yet recorded); an administrator
    draws each month's sample and exemption audit and grades part of them. The current
    month has closures, a text and a victim too."""
    blue = Team.objects.get_or_create(name="Blue Watch")[0]
    red = TeamFactory(name="Red Watch")
    ann = UserFactory(handler=True, username="ann", team=blue)
    amy = UserFactory(handler=True, username="amy", team=blue)
    bob = UserFactory(handler=True, username="bob", team=red)
    supervisor = UserFactory(supervisor=True, username="sue", team=blue)
    now = timezone.now()
    current = local_month(now)
    settled = [month_add(current, -k) for k in (3, 2, 1)]
    for index, month in enumerate(settled):
        for number, handler in enumerate((ann, amy, bob)):
            for day in (3, 9):
                closed_incident(handler=handler, closed_at=at(month, day + number))
            closed_incident(handler=handler, closed_at=at(month, 12 + number), assessed=False)
            # A re-THRIVE (the default interval 3 h 30 min): on time, or late.
            incident = make_incident(handler=handler, opened_at=at(month, 14, 8))
            for when in (at(month, 14, 9), at(month, 14, 12 + (index + number) % 2 * 2)):
                assessment_record(
                    incident=incident, author=handler, data=complete_answers(), submit=True, submitted_at=when
                )
            make_incident(handler=handler, opened_at=at(month, 16), assessed=True)  # open: its re-THRIVE missed
            make_incident(handler=handler, opened_at=at(month, 18), assessed=True, **TEXTING)
            victim = victim_link(
                incident=make_incident(handler=handler, opened_at=at(month, 20)),
                actor=handler,
                name="A Person",
                phone="07700 900123",
            )
            if number != 2:
                victims_code_record(victim=victim, actor=handler, **ALL_GIVEN)
            Victim.objects.filter(pk=victim.pk).update(linked_month=month)  # as if linked that month
        texts = list(Text.objects.filter(created_month=month).order_by("pk"))
        Text.objects.filter(pk=texts[1].pk).update(status=TextStatus.SENT, sent_at=at(month, 18, 11))
        Text.objects.filter(pk=texts[2].pk).update(
            status=TextStatus.DELIVERED, sent_at=at(month, 18, 11), delivered_at=at(month, 18, 11)
        )
        sample = sample_draw(actor=admin_user, month=month, per_handler=2, seed=7, now=now)
        levels = [Grade.GOOD, Grade.INADEQUATE, Grade.OUTSTANDING, Grade.NOT_APPLICABLE]
        for n, item in enumerate(sample.items.order_by("pk")):
            if n % 3 != 2:  # some left ungraded, for a grade to come late
                review_record(
                    item=item,
                    reviewer=admin_user,
                    data=grades(levels[n % 4], levels[(n + 1) % 4], Grade.GOOD, [Check.YES, Check.NO][n % 2]),
                )
        for check in sample.exemption_checks.order_by("pk")[:1]:
            exemption_check_record(check=check, reviewer=admin_user, justified=True, feedback="")
    for number, handler in enumerate((ann, bob)):
        closed_incident(handler=handler, closed_at=now - timedelta(minutes=30 + number))
        make_incident(handler=handler, opened_at=now - timedelta(minutes=20), assessed=True, **TEXTING)
        victim_link(incident=make_incident(handler=handler), actor=handler, name="B Person", phone="07700 900124")
    return {
        "teams": [None, blue, red],
        "handlers": [None, ann, amy, bob],
        "settled": settled,
        "current": current,
        "admin": admin_user,
        "supervisor": supervisor,
    }


def figures(world: dict[str, Any], first: date, last: date) -> dict[tuple[str, str], dict[str, Any]]:
    """Every measure of every page, API and export, for every filter the pages offer."""
    out = {}
    for team in world["teams"]:
        for handler in world["handlers"]:
            filters = QaFilters(first=first, last=last, team=team, handler=handler)
            out[(team.name if team else "", handler.username if handler else "")] = {
                "qa": [row.as_api() for row in qa_monthly(filters)],
                "compliance": [row.as_api() for row in compliance_monthly(filters)],
                "exemptions": [row.as_api() for row in exemption_audit_monthly(filters)],
                "victims_code": {
                    name: [line.as_api() for line in lines] for name, lines in victims_code_figures(filters).items()
                },
            }
    return out


def live_figures(world: dict[str, Any], first: date, last: date, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The same, with the summary turned off: every month counted from the rows."""
    with monkeypatch.context() as patch:
        patch.setattr("qa.summary.summaries_enabled", lambda: False)
        return figures(world, first, last)


def source_queries(callable_: Any) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        callable_()
    return [q["sql"] for q in queries.captured_queries if any(table in q["sql"] for table in SOURCE_TABLES)]


def test_summary_and_live_equal_the_full_count_for_every_month_filter_and_measure(world, monkeypatch):
    first, last = world["settled"][0], world["current"]
    expected = live_figures(world, first, last, monkeypatch)
    # The fixture has figures in every month and every filter: a test of something.
    assert expected[("", "")]["compliance"][0]["incidents_closed"] == 9
    assert expected[("Red Watch", "")]["qa"][1]["calls_assessed"] > 0
    assert expected[("", "bob")]["victims_code"]["months"][2]["victims_of_crime"] == 1
    assert expected[("", "")]["exemptions"][0]["exemptions_audited"] == 1

    built = summaries_build()
    assert built == world["settled"]
    assert set(SummaryMonth.objects.filter(dirty=False).values_list("month", flat=True)) == set(world["settled"])
    assert MonthlyCount.objects.filter(month=world["current"]).count() == 0  # the current month is never stored

    assert figures(world, first, last) == expected
    # Settled months alone come from the summary, not one source row counted.
    settled = (world["settled"][0], world["settled"][-1])
    assert figures(world, *settled) == live_figures(world, *settled, monkeypatch)
    blue, ann = world["teams"][1], world["handlers"][1]
    for filters in (QaFilters(*settled), QaFilters(*settled, team=blue), QaFilters(*settled, team=blue, handler=ann)):
        assert source_queries(lambda f=filters: figures_of(f)) == []
    # Months before the oldest incident have nothing to count: no live query for them either.
    assert source_queries(lambda: figures_of(QaFilters(month_add(first, -24), world["settled"][-1]))) == []
    # The current month is still counted live beside them.
    assert source_queries(lambda: figures_of(QaFilters(first, last))) != []


def figures_of(filters: QaFilters) -> None:
    qa_monthly(filters)
    compliance_monthly(filters)
    exemption_audit_monthly(filters)
    victims_code_figures(filters)


def _late_return(world):
    """A supervisor returns a settled month's closed incident's version at review; the
    handler revises it now, as a late version."""
    incident = Incident.objects.filter(
        status="closed", closed_month=world["settled"][1], closure_code__exempt=False, team=world["supervisor"].team
    ).order_by("pk")[0]
    version = incident.assessments.filter(status="submitted").order_by("-version").first()
    assessment_return(
        assessment=version, actor=world["supervisor"], reason="poor_quality", sections=["prevention"], feedback="More."
    )
    late = assessment_record(incident=incident, author=incident.handler, data=complete_answers(), submit=True)
    assert late.late
    return world["settled"][1]


def _reopen(world):
    incident = Incident.objects.filter(status="closed", closed_month=world["settled"][0]).order_by("pk").first()
    incident_reopen(incident=incident, actor=world["supervisor"], reason="New information from the caller.")
    return world["settled"][0]


def _late_rethrive(world):
    """The missed re-THRIVE of an incident left open in a settled month comes in now: the
    month it fell due loses a missed one."""
    incident = (
        Incident.objects.filter(status="open", opened_at__lt=at(world["settled"][1], 1, 0)).order_by("pk").first()
    )
    assessment_record(incident=incident, author=incident.handler, data=complete_answers(), submit=True)
    return world["settled"][0]


def _text_receipt(world):
    """A text sent in a settled month is reported delivered days later."""
    text = Text.objects.filter(created_month=world["settled"][0], status=TextStatus.SENT).first()
    text_receipt(reference=str(text.pk), provider_status="delivered")
    return world["settled"][0]


def _grade(world):
    """An item of a settled month's sample is graded now, and another corrected."""
    month = world["settled"][1]
    graded = Review.objects.filter(month=month, current=True).values("item_id")
    item = SampleItem.objects.filter(sample__month=month).exclude(pk__in=graded).first()
    review_record(item=item, reviewer=world["admin"], data=grades(Grade.INADEQUATE, Grade.GOOD, Grade.GOOD))
    review = Review.objects.filter(month=month, current=True, vulnerability=Grade.GOOD).first()
    review_correct(review=review, reviewer=world["admin"], data=grades(Grade.INADEQUATE), reason="Missed a risk.")
    return month


def _victims_code_answer(world):
    """A victim of a settled month, not recorded then, has their answers recorded now."""
    month = world["settled"][2]
    victim = Victim.objects.filter(linked_month=month, victims_code_at__isnull=True).first()
    victims_code_record(victim=victim, actor=victim.created_by, **ALL_GIVEN)
    return month


def _exemption_finding(world):
    month = world["settled"][2]
    check = ExemptionCheck.objects.filter(month=month, reviewed_at__isnull=True).order_by("pk").first()
    exemption_check_record(check=check, reviewer=world["admin"], justified=False, feedback="Should have assessed.")
    return month


def _grade_scale(world):
    """An administrator makes "adequate" count as good: every month's figures move."""
    level = GradeLevel.objects.get(code=Grade.INADEQUATE)
    level.counts_as_good = True
    grade_level_save(level=level, actor=world["admin"])
    return world["settled"][0]


LATE_CHANGES = [
    ("a late return", _late_return, False),
    ("a reopen", _reopen, True),
    ("a late re-THRIVE", _late_rethrive, True),
    ("a text's receipt days later", _text_receipt, True),
    ("a grade and a correction", _grade, True),
    ("a Victims' Code answer", _victims_code_answer, True),
    ("an exemption finding", _exemption_finding, True),
    ("a change to the grade scale", _grade_scale, True),
]


def test_late_changes_to_a_settled_month_show_at_once_and_identically_in_both_paths(world, monkeypatch):
    first, last = world["settled"][0], world["current"]
    summaries_build()
    before = figures(world, first, last)
    for name, change, moves in LATE_CHANGES:
        month = change(world)
        assert SummaryMonth.objects.get(month=month).dirty, f"{name}: the month was not marked dirty"
        now_live = live_figures(world, first, last, monkeypatch)
        assert figures(world, first, last) == now_live, f"{name}: summary and live disagree while dirty"
        if moves:
            assert now_live != before, f"{name}: the figures did not change"
        assert summaries_refresh() >= 1
        assert not SummaryMonth.objects.filter(dirty=True).exists()
        assert figures(world, first, last) == now_live, f"{name}: summary and live disagree once rebuilt"
        before = now_live


def test_pages_cost_the_same_queries_for_one_year_and_five(world, client_for, analyst):
    client = client_for(analyst)
    last = world["settled"][-1]

    def count(path: str, months: int, to: date) -> int:
        query = f"from={month_add(to, 1 - months):%Y-%m}&to={to:%Y-%m}"
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{path}?{query}").status_code == 200
        return len(queries)

    for path in ("/qa/", "/qa/compliance/"):
        count(path, 1, last)  # the session's first request does its own reads
        assert count(path, 12, last) == count(path, 60, last), f"{path}, counted live"
        summaries_build()
        assert count(path, 12, last) == count(path, 60, last), f"{path}, from the summary"
        assert count(path, 12, world["current"]) == count(path, 60, world["current"]), f"{path}, with this month"


def test_the_command_builds_a_range_and_says_so(world, capsys):
    first, last = world["settled"][0], world["settled"][1]
    call_command("summaries_build", "--from", f"{first:%Y-%m}", "--to", f"{last:%Y-%m}")
    assert f"Built 2 months: {first:%Y-%m} to {last:%Y-%m}." in capsys.readouterr().out
    assert set(SummaryMonth.objects.filter(dirty=False).values_list("month", flat=True)) == {first, last}
    # The current month is never built: it is always counted live.
    call_command("summaries_build", "--from", f"{world['current']:%Y-%m}")
    assert "No settled month to build." in capsys.readouterr().out
