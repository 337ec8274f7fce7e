"""The closure check and the close by the CAD's reference (API.md): the same rule as the
reference close (casework.rules.close_blockers), and a retried close answered once."""

import pytest

from casework import rules
from casework.services import assessment_record
from incidents.models import ClosureCode, EntryKind, Incident, LogEntry, Status
from tests.cad.conftest import CAD_REF, cad_body, put
from tests.factories import complete_answers
from thrive.returns import assessment_return

pytestmark = pytest.mark.django_db

CLOSURE = f"/api/cad/incidents/{CAD_REF}/closure/"
CLOSE = f"/api/cad/incidents/{CAD_REF}/close/"


@pytest.fixture
def incident(cad) -> Incident:
    put(cad, cad_body())
    return Incident.objects.get(cad_ref=CAD_REF)


@pytest.fixture
def assessed(incident, call_taker) -> Incident:
    assessment_record(incident=incident, author=call_taker, data=complete_answers(risk_level="high"), submit=True)
    return incident


def exempt_codes(incident: Incident) -> list[str]:
    """The active exempt codes the force's policy allows for this incident (issue 15)."""
    codes = ClosureCode.objects.filter(active=True, exempt=True).order_by("code")
    return [code.code for code in codes if rules.exemption_line(incident, code) is not None]


def test_without_an_assessment_the_check_says_assessment_required(cad, incident):
    body = cad.get(CLOSURE).json()

    assert body["may_close"] is False
    assert [b["code"] for b in body["blockers"]] == ["assessment_required"]
    assert incident.reference in body["blockers"][0]["detail"]
    assert body["exempt_codes"] == exempt_codes(incident)
    assert body["exempt_codes"]
    assert body["assessment"] is None


def test_with_a_submitted_assessment_it_may_close(cad, assessed):
    body = cad.get(CLOSURE).json()

    assert body["may_close"] is True
    assert body["blockers"] == []
    assert body["assessment"]["version"] == 1
    assert body["assessment"]["status"] == "submitted"
    assert body["assessment"]["risk_level"] == "high"
    assert body["assessment"]["author"] == "jdawson"
    assert body["assessment"]["submitted_at"]


def test_a_returned_assessment_blocks_and_says_so(cad, assessed, db):
    from tests.factories import UserFactory

    supervisor = UserFactory(supervisor=True, team=assessed.team)
    assessment_return(
        assessment=assessed.assessments.get(version=1),
        actor=supervisor,
        reason="poor_quality",
        sections=["threat"],
        feedback="Say who made the threat.",
    )

    body = cad.get(CLOSURE).json()

    assert body["may_close"] is False
    assert [b["code"] for b in body["blockers"]] == ["assessment_returned"]
    assert body["assessment"]["status"] == "returned"
    # What the check says is what the close answers.
    close = cad.post(CLOSE, {"closure_code": "crime_recorded"}, format="json")
    assert close.status_code == 409
    assert close.json()["code"] == "assessment_returned"


def test_an_exempt_code_may_be_checked_by_name(cad, incident):
    code = exempt_codes(incident)[0]

    body = cad.get(CLOSURE, {"closure_code": code}).json()

    assert body["may_close"] is True
    assert body["blockers"] == []


def test_an_unknown_code_to_check_is_400_naming_it(cad, incident):
    response = cad.get(CLOSURE, {"closure_code": "no_such_code"})

    assert response.status_code == 400
    assert "closure_code" in response.json()


def test_the_check_reports_whatever_the_closure_rule_returns(cad, assessed, monkeypatch):
    """Issue 15 adds blockers to casework.rules.close_blockers: the check reports them with
    no change of its own."""
    original = rules.close_blockers

    def with_policy(incident, **kwargs):
        return [*original(incident, **kwargs), rules.Blocker("rethrive_overdue", "A re-THRIVE is overdue.")]

    monkeypatch.setattr(rules, "close_blockers", with_policy)

    body = cad.get(CLOSURE).json()

    assert body["may_close"] is False
    assert body["blockers"] == [{"code": "rethrive_overdue", "detail": "A re-THRIVE is overdue."}]
    assert body["exempt_codes"] == []


def test_the_check_of_a_closed_incident_says_already_closed(cad, assessed):
    cad.post(CLOSE, {"closure_code": "crime_recorded"}, format="json")

    body = cad.get(CLOSURE).json()

    assert body["may_close"] is False
    assert [b["code"] for b in body["blockers"]] == ["already_closed"]


def test_the_close_is_the_reference_close(cad, assessed, integration):
    response = cad.post(CLOSE, {"closure_code": "crime_recorded"}, format="json")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "closed"
    assert body["closure_code"] == "crime_recorded"
    assert body["cad_ref"] == CAD_REF
    assert body["reference"] == assessed.reference
    assessed.refresh_from_db()
    assert assessed.status == Status.CLOSED
    assert assessed.closed_by == integration
    assert assessed.entries.filter(kind=EntryKind.CLOSED).count() == 1


def test_the_close_without_an_assessment_is_409_assessment_required(cad, incident):
    response = cad.post(CLOSE, {"closure_code": "crime_recorded"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "assessment_required"
    assert Incident.objects.get(pk=incident.pk).status == Status.OPEN


def test_an_exempt_close_needs_its_reason_and_closes_without_an_assessment(cad, incident):
    code = "test_call"  # the general line: a reason only
    assert code in exempt_codes(incident)

    refused = cad.post(CLOSE, {"closure_code": code}, format="json")
    closed = cad.post(CLOSE, {"closure_code": code, "exemption_reason": "Test call from the CAD."}, format="json")

    assert refused.status_code == 400
    assert "exemption_reason" in refused.json()
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"


def test_a_retried_close_gets_the_same_answer_and_one_closure(cad, assessed):
    first = cad.post(CLOSE, {"closure_code": "crime_recorded"}, format="json")
    again = cad.post(CLOSE, {"closure_code": "crime_recorded"}, format="json")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert LogEntry.objects.filter(incident=assessed, kind=EntryKind.CLOSED).count() == 1


def test_a_retried_close_with_its_idempotency_key_is_replayed(cad, assessed):
    first = cad.post(CLOSE, {"closure_code": "crime_recorded"}, format="json", headers={"Idempotency-Key": "close-1"})
    again = cad.post(CLOSE, {"closure_code": "crime_recorded"}, format="json", headers={"Idempotency-Key": "close-1"})

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert LogEntry.objects.filter(incident=assessed, kind=EntryKind.CLOSED).count() == 1


def test_a_different_close_of_a_closed_incident_is_409_already_closed(cad, assessed):
    cad.post(CLOSE, {"closure_code": "crime_recorded"}, format="json")

    other_code = cad.post(CLOSE, {"closure_code": "advice_given"}, format="json")
    other_time = cad.post(CLOSE, {"closure_code": "crime_recorded", "closed_at": "2026-11-30T06:30:00Z"}, format="json")

    assert other_code.status_code == other_time.status_code == 409
    assert other_code.json()["code"] == other_time.json()["code"] == "already_closed"


def test_a_close_here_by_a_handler_is_not_the_cads_to_repeat(cad, assessed, call_taker):
    from casework.services import incident_close

    incident_close(incident=assessed, actor=call_taker, closure_code="crime_recorded")

    response = cad.post(CLOSE, {"closure_code": "crime_recorded"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "already_closed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "closure_code"),
        ({"closure_code": "nope"}, "closure_code"),
        ({"closure_code": "bad\x00"}, "closure_code"),
        ({"closure_code": "crime_recorded", "closed_at": "2999-01-01T00:00:00Z"}, "closed_at"),
        ({"closure_code": "crime_recorded", "closed_at": "soon"}, "closed_at"),
    ],
)
def test_a_bad_close_is_400_naming_the_field(cad, assessed, body, field):
    response = cad.post(CLOSE, body, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert Incident.objects.get(pk=assessed.pk).status == Status.OPEN


def test_unknown_cad_refs_are_404_on_every_route(cad):
    for response in (
        cad.get("/api/cad/incidents/NOT-HERE/"),
        cad.get("/api/cad/incidents/NOT-HERE/closure/"),
        cad.post("/api/cad/incidents/NOT-HERE/close/", {"closure_code": "crime_recorded"}, format="json"),
    ):
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")


def test_the_check_costs_a_bounded_number_of_queries(cad, assessed, django_assert_num_queries):
    """Seven queries (tests/perf/test_query_counts.py pins it), whatever the incident's log."""
    for _ in range(5):
        assessment_record(incident=assessed, author=assessed.handler, data=complete_answers(), submit=True)
    cad.get(CLOSURE)  # the token's first use is warmed
    with django_assert_num_queries(7):
        assert cad.get(CLOSURE).status_code == 200


def test_the_check_costs_the_same_whatever_the_number_of_exempt_codes_and_lines(cad, incident, call_taker):
    """The rule is asked per exempt code, but what it reads is read once (the latest version,
    every code's policy lines): more codes and lines cost no more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from incidents.models import ClosureExemption

    def measured() -> tuple[int, list[str]]:
        cad.get(CLOSURE)  # the token's first use is warmed
        with CaptureQueriesContext(connection) as queries:
            body = cad.get(CLOSURE).json()
        return len(queries), body["exempt_codes"]

    before, codes_before = measured()
    for number in range(6):
        code = ClosureCode.objects.create(code=f"perf_exempt_{number}", name=f"Perf exempt {number}", exempt=True)
        ClosureExemption.objects.create(closure_code=code, channel="999")
        ClosureExemption.objects.create(closure_code=code, channel="101")
    after, codes_after = measured()
    assert after == before
    # And it still answers by the policy: the new 999 lines allow each new code here.
    assert len(codes_after) == len(codes_before) + 6
    assert codes_after == exempt_codes(incident)


def test_a_retry_with_the_same_body_answers_the_same_even_with_fields_the_closure_did_not_keep(cad, assessed):
    """An ordinary code keeps no call-backs or framework reference; a retry sending them again,
    unchanged, is still the same request (the close kept the digest of what was sent)."""
    body = {"closure_code": "crime_recorded", "callback_attempts": 2, "framework_reference": "X/1"}
    first = cad.post(CLOSE, body, format="json")
    again = cad.post(CLOSE, body, format="json")
    assert first.status_code == again.status_code == 200, again.content
    assert again.json() == first.json()
    assert LogEntry.objects.filter(incident=assessed, kind=EntryKind.CLOSED).count() == 1


@pytest.mark.parametrize(
    ("changed", "named"),
    [
        ({"callback_attempts": 4}, "callback_attempts"),
        ({"callback_outcome": "Spoke to him."}, "callback_outcome"),
        ({"framework_reference": "MP/2026/1"}, "framework_reference"),
        ({"exemption_reason": "Duplicate."}, "exemption_reason"),
        ({"closed_at": "now"}, "closed_at"),
    ],
)
def test_a_different_body_on_a_closed_incident_is_a_clear_409_not_silently_ignored(cad, assessed, changed, named):
    """Fields an ordinary code does not keep were ignored when comparing a retry: a close with
    a new call-back count, outcome, reference or reason answered 200 as if it were the first."""
    from django.utils import timezone

    body = {"closure_code": "crime_recorded"}
    assert cad.post(CLOSE, body, format="json").status_code == 200
    different = {**body, **changed}
    if "closed_at" in changed:
        different["closed_at"] = timezone.now().isoformat()
    refused = cad.post(CLOSE, different, format="json")
    assert refused.status_code == 409, refused.content
    assert refused.json()["code"] == "already_closed"
    assert "not a repeat" in refused.json()["detail"]
    assert named in refused.json()["detail"]
    incident = Incident.objects.get(pk=assessed.pk)
    assert (incident.callback_attempts, incident.framework_reference, incident.exemption_reason) == (None, "", "")
    assert LogEntry.objects.filter(incident=assessed, kind=EntryKind.CLOSED).count() == 1


def test_a_reopened_and_closed_again_incident_compares_with_the_new_close(cad, assessed, supervisor):
    from incidents.reopen import incident_reopen

    assert cad.post(CLOSE, {"closure_code": "crime_recorded"}, format="json").status_code == 200
    incident_reopen(incident=assessed, actor=supervisor, reason="Caller rang back.")
    assert Incident.objects.get(pk=assessed.pk).close_digest == ""
    # The re-THRIVE the reopening made due (different answers: not a repeat of version 1).
    assessment_record(
        incident=assessed, author=assessed.handler, data=complete_answers(risk_level="medium"), submit=True
    )
    body = {"closure_code": "advice_given"}
    closed = cad.post(CLOSE, body, format="json")
    assert closed.status_code == 200, closed.content
    assert cad.post(CLOSE, body, format="json").status_code == 200
    assert cad.post(CLOSE, {"closure_code": "crime_recorded"}, format="json").status_code == 409
