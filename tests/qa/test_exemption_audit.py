"""Issue 15: a share of each month's exempt closures is drawn with the dip sample for an
exemption audit; a supervisor records whether the exemption was justified, with feedback;
the figures are reported apart from the four Wiltshire measures."""

import io
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from casework.services import incident_close
from config.errors import Blocked
from qa.exemptions import exemption_audit_monthly, exemption_check_record
from qa.models import ExemptionCheck
from qa.selectors import QaFilters
from qa.services import sample_draw, sample_withdraw
from tests.factories import TeamFactory, UserFactory, make_incident
from tests.qa.factories import closed_incident, drawn_sample, utc

JUNE = date(2022, 6, 1)
pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(supervisor):
    return {name: UserFactory(handler=True, team=supervisor.team, username=name) for name in ("amy", "bob", "cat")}


@pytest.fixture
def june(staff):
    """Amy closed three incidents without an assessment in June, Bob one, Cat none (one
    with an assessment). A May exempt closure is not June's."""
    for day in (2, 3, 4):
        closed_incident(handler=staff["amy"], closed_at=utc(2022, 6, day, 12), assessed=False)
    closed_incident(handler=staff["bob"], closed_at=utc(2022, 6, 5, 12), assessed=False)
    closed_incident(handler=staff["cat"], closed_at=utc(2022, 6, 6, 12))
    closed_incident(handler=staff["cat"], closed_at=utc(2022, 5, 6, 12), assessed=False)
    return staff


def drawn(sample) -> dict[str, int]:
    counts: dict[str, int] = {}
    for username in sample.exemption_checks.values_list("handler__username", flat=True):
        counts[username] = counts.get(username, 0) + 1
    return counts


def test_one_exempt_closure_per_handler_with_any_by_default_and_configurable(supervisor, june):
    first = drawn_sample(supervisor=supervisor, month=JUNE)
    assert drawn(first) == {"amy": 1, "bob": 1}
    assert first.items.count() == 1  # the dip sample itself is unchanged: Cat's assessed closure
    sample_withdraw(sample=first, actor=supervisor)
    two = sample_draw(actor=supervisor, month=JUNE, seed=42, exempt_per_handler=2, now=utc(2023, 1, 1))
    assert drawn(two) == {"amy": 2, "bob": 1}
    sample_withdraw(sample=two, actor=supervisor)
    none = sample_draw(actor=supervisor, month=JUNE, seed=42, exempt_per_handler=0, now=utc(2023, 1, 1))
    assert drawn(none) == {}
    with pytest.raises(ValidationError, match="exempt_per_handler"):
        sample_draw(actor=supervisor, month=JUNE, seed=42, exempt_per_handler=-1, now=utc(2023, 1, 1))


def test_the_same_seed_draws_the_same_exemptions(supervisor, june):
    first = drawn_sample(supervisor=supervisor, month=JUNE, seed=5)
    picked = sorted(first.exemption_checks.values_list("incident__reference", flat=True))
    sample_withdraw(sample=first, actor=supervisor)
    again = drawn_sample(supervisor=supervisor, month=JUNE, seed=5)
    assert sorted(again.exemption_checks.values_list("incident__reference", flat=True)) == picked


def test_a_finding_is_recorded_once_with_feedback_when_not_justified(supervisor, june):
    check = drawn_sample(supervisor=supervisor, month=JUNE).exemption_checks.get(handler=june["bob"])
    with pytest.raises(ValidationError, match="feedback"):
        exemption_check_record(check=check, reviewer=supervisor, justified=False, feedback="  ")
    with pytest.raises(ValidationError, match="justified"):
        exemption_check_record(check=check, reviewer=supervisor, justified="maybe", feedback="")
    check.refresh_from_db()
    assert check.reviewed_at is None  # nothing half-saved
    done = exemption_check_record(
        check=check, reviewer=supervisor, justified=False, feedback="A 999 call: call back first."
    )
    assert (done.justified, done.reviewer, done.feedback) == (False, supervisor, "A 999 call: call back first.")
    with pytest.raises(Blocked, match="already been audited"):
        exemption_check_record(check=check, reviewer=supervisor, justified=True, feedback="")
    with pytest.raises(Blocked):
        sample_withdraw(sample=check.sample, actor=supervisor)  # an audited finding is evidence


def test_only_the_teams_supervisor_audits_and_nobody_their_own_closure(supervisor, june, admin_user):
    check = drawn_sample(supervisor=supervisor, month=JUNE).exemption_checks.get(handler=june["amy"])
    red_supervisor = UserFactory(supervisor=True, team=TeamFactory(name="Red Watch"))
    with pytest.raises(PermissionDenied):
        exemption_check_record(check=check, reviewer=red_supervisor, justified=True, feedback="")
    # An administrator's own exempt closure is drawn in the supervisors' sample; they cannot audit it.
    own = make_incident(handler=admin_user, opened_at=utc(2022, 6, 9, 9))
    incident_close(
        incident=own, actor=admin_user, closure_code="duplicate", exemption_reason="Dup.", closed_at=utc(2022, 6, 9, 10)
    )
    overseers = sample_draw(actor=admin_user, month=JUNE, seed=1, overseers=True, now=utc(2023, 1, 1))
    own_check = overseers.exemption_checks.get()
    assert own_check.handler == admin_user
    assert own_check.team is None
    with pytest.raises(Blocked, match="own work"):
        exemption_check_record(check=own_check, reviewer=admin_user, justified=True, feedback="")


def test_the_api_records_and_refuses(supervisor, june, admin_user, analyst, api_client_for):
    created = api_client_for(supervisor).post("/api/qa/samples/", {"month": "2022-06", "seed": 3}, format="json")
    assert created.status_code == 201
    checks = created.json()["exemption_checks"]
    assert sorted(c["handler"] for c in checks) == ["amy", "bob"]
    api = api_client_for(supervisor)
    bad = api.post("/api/qa/exemption-audits/", {"check": checks[0]["id"], "justified": False}, format="json")
    assert bad.status_code == 400
    assert "feedback" in bad.json()
    assert api.post("/api/qa/exemption-audits/", {"check": 0, "justified": True}, format="json").status_code == 400
    # Another team's supervisor: the same answer as for an id that does not exist.
    outsider = api_client_for(UserFactory(supervisor=True, team=TeamFactory(name="Red Watch")))
    theirs = outsider.post("/api/qa/exemption-audits/", {"check": checks[0]["id"], "justified": True}, format="json")
    unknown = outsider.post("/api/qa/exemption-audits/", {"check": 0, "justified": True}, format="json")
    assert (theirs.status_code, theirs.json()) == (400, unknown.json())
    assert set(theirs.json()) == {"check"}
    refused = api_client_for(analyst).post(
        "/api/qa/exemption-audits/", {"check": checks[0]["id"], "justified": True}, format="json"
    )
    assert refused.status_code == 403
    ok = api.post(
        "/api/qa/exemption-audits/", {"check": checks[0]["id"], "justified": True, "feedback": "Fine."}, format="json"
    )
    assert ok.status_code == 201
    assert ok.json()["justified"] is True
    again = api.post(
        "/api/qa/exemption-audits/", {"check": checks[0]["id"], "justified": False, "feedback": "No."}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "already_audited"


def test_figures_apart_from_the_four_measures(supervisor, june, analyst, api_client_for, client_for):
    sample = drawn_sample(supervisor=supervisor, month=JUNE)
    amy, bob = sample.exemption_checks.get(handler=june["amy"]), sample.exemption_checks.get(handler=june["bob"])
    exemption_check_record(check=amy, reviewer=supervisor, justified=True, feedback="")
    exemption_check_record(check=bob, reviewer=supervisor, justified=False, feedback="Needed a call back.")
    params = {"from": "2022-06", "to": "2022-07"}
    (june_row, july_row) = exemption_audit_monthly(QaFilters.from_params(params, today=date(2022, 9, 1)))
    assert june_row.as_api() == {
        "month": "2022-06",
        "exemptions_drawn": 2,
        "exemptions_audited": 2,
        "exemptions_justified": 1,
        "exemptions_justified_pct": 50.0,
    }
    assert july_row.exemptions_justified_pct is None
    client = api_client_for(analyst)
    by_handler = client.get("/api/qa/exemption-audits/monthly/", {**params, "handler": "bob"}).json()[0]
    assert (by_handler["exemptions_audited"], by_handler["exemptions_justified_pct"]) == (1, 0.0)
    # API.md's monthly rows are untouched: the same keys in the same order.
    monthly = client.get("/api/qa/monthly/", params).json()[0]
    assert list(monthly) == [
        "month",
        "calls_assessed",
        "vulnerability_pct",
        "prevention_pct",
        "preservation_pct",
        "repeat_victim_check_pct",
    ]
    csv = client.get("/qa/export.csv", params).content.decode().splitlines()
    assert csv[0] == "month,calls_assessed,vulnerability_pct,prevention_pct,preservation_pct,repeat_victim_check_pct"
    book = load_workbook(io.BytesIO(client.get("/qa/export.xlsx", params).content))
    sheet = book["Exemption audit"]
    assert [c.value for c in sheet[1]] == [
        "month",
        "exemptions_drawn",
        "exemptions_audited",
        "exemptions_justified",
        "exemptions_justified_pct",
    ]
    assert [c.value for c in sheet[2]] == ["2022-06", 2, 2, 1, 50.0]
    assert [c.value for c in book["QA monthly"][1]][-1] == "repeat_victim_check_pct"
    for page in ("/qa/", "/qa/compliance/"):
        html = client_for(analyst).get(page, params).content.decode()
        assert "Exemption audit" in html
        assert "Exemption justified (%)" in html
        assert "50.0" in html


def test_the_pages_draw_list_audit_and_show_the_handler(supervisor, june, client_for, django_assert_max_num_queries):
    client = client_for(supervisor)
    response = client.post(
        "/qa/samples/new/", {"month": "2022-06", "per_handler": "3", "exempt_per_handler": "2", "seed": "9"}
    )
    assert response.status_code == 302
    sample_url = response["Location"]
    checks = list(ExemptionCheck.objects.order_by("id"))
    assert len(checks) == 3
    with django_assert_max_num_queries(12):
        page = client.get(sample_url)
    html = page.content.decode()
    assert "0 of 3 audited" in html
    assert "Duplicate of another incident" in html  # the closure's name, never its code
    bob = next(c for c in checks if c.handler == june["bob"])
    assert f"/qa/exemptions/{bob.pk}/" in html
    with django_assert_max_num_queries(12):
        form = client.get(f"/qa/exemptions/{bob.pk}/")
    assert "Duplicate of an earlier call." in form.content.decode()  # the reason given
    missing = client.post(f"/qa/exemptions/{bob.pk}/", {"feedback": ""})
    assert missing.status_code == 400
    assert "Say whether closing without an assessment was justified" in missing.content.decode()
    done = client.post(f"/qa/exemptions/{bob.pk}/", {"justified": "no", "feedback": "Call the caller back first."})
    assert done.status_code == 302
    assert "1 of 3 audited" in client.get(sample_url).content.decode()
    bobs = client_for(june["bob"]).get("/qa/feedback/").content.decode()
    assert "Not justified" in bobs
    assert "Call the caller back first." in bobs
    assert "Call the caller back first." not in client_for(june["amy"]).get("/qa/feedback/").content.decode()
    # Another team's supervisor: not found.
    red = UserFactory(supervisor=True, team=TeamFactory(name="Red Watch"))
    assert client_for(red).get(f"/qa/exemptions/{bob.pk}/").status_code == 404


def test_the_sample_page_costs_the_same_queries_however_many_exemptions(
    supervisor, staff, client_for, django_assert_max_num_queries
):
    for n, handler in enumerate(staff.values()):
        closed_incident(handler=handler, closed_at=utc(2022, 6, 10 + n, 12), assessed=False)
    small = drawn_sample(supervisor=supervisor, month=JUNE)
    client = client_for(supervisor)
    with django_assert_max_num_queries(12) as few:
        client.get(f"/qa/samples/{small.pk}/")
    sample_withdraw(sample=small, actor=supervisor)
    for n in range(12):
        handler = UserFactory(handler=True, team=supervisor.team)
        closed_incident(handler=handler, closed_at=utc(2022, 6, 1 + n, 15), assessed=False)
    big = drawn_sample(supervisor=supervisor, month=JUNE)
    assert big.exemption_checks.count() == 15
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(f"/qa/samples/{big.pk}/")
