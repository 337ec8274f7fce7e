"""Issue 15, a fair dip sample (rule 10): the author of the graded version is sampled,
graded and credited, not whoever opened the incident; supervisors are not sampled with their
own team; nobody grades their own work."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from casework.services import assessment_record, incident_close
from config.errors import Blocked
from qa.models import Review, SampleItem
from qa.selectors import QaFilters, qa_monthly
from qa.services import review_record, sample_draw
from tests.factories import TeamFactory, UserFactory, complete_answers, make_incident
from tests.qa.factories import drawn_sample, grades, utc

JUNE = date(2022, 6, 1)
pytestmark = pytest.mark.django_db


def rethrived(*, call_taker, second_author, day: int = 1):
    """Opened and first assessed by the call taker; re-THRIVEd by `second_author`; closed."""
    incident = make_incident(handler=call_taker, opened_at=utc(2022, 6, day, 9), assessed=True)
    second = assessment_record(
        incident=incident,
        author=second_author,
        data=complete_answers(),
        submit=True,
        submitted_at=utc(2022, 6, day, 11),
    )
    incident_close(incident=incident, actor=call_taker, closure_code="crime_recorded", closed_at=utc(2022, 6, day, 12))
    return incident, second


@pytest.fixture
def blue(supervisor):
    return {
        "call_taker": UserFactory(handler=True, team=supervisor.team, username="calltaker"),
        "dispatcher": UserFactory(handler=True, team=supervisor.team, username="dispatcher"),
    }


def test_a_dispatchers_rethrive_is_graded_and_credited_to_the_dispatcher(
    supervisor, blue, analyst, api_client_for, client_for
):
    incident, second = rethrived(call_taker=blue["call_taker"], second_author=blue["dispatcher"])
    sample = drawn_sample(supervisor=supervisor, month=JUNE)
    item = sample.items.get()
    assert item.assessment == second
    assert item.handler == blue["dispatcher"]
    review_record(item=item, reviewer=supervisor, data=grades("inadequate"))

    def calls(username: str) -> int:
        response = api_client_for(analyst).get(
            "/api/qa/monthly/", {"from": "2022-06", "to": "2022-06", "handler": username}
        )
        return response.json()[0]["calls_assessed"]

    assert calls("dispatcher") == 1
    assert calls("calltaker") == 0  # the dispatcher's version does not count against the call taker
    (row,) = qa_monthly(QaFilters(first=JUNE, last=JUNE, handler=blue["call_taker"]))
    assert row.vulnerability_pct is None
    assert incident.reference in client_for(blue["dispatcher"]).get("/qa/feedback/").content.decode()
    assert incident.reference not in client_for(blue["call_taker"]).get("/qa/feedback/").content.decode()


def test_the_sample_follows_the_authors_team(supervisor, blue):
    red = TeamFactory(name="Red Watch")
    red_supervisor = UserFactory(supervisor=True, team=red)
    red_dispatcher = UserFactory(handler=True, team=red)
    rethrived(call_taker=blue["call_taker"], second_author=red_dispatcher)
    assert not drawn_sample(supervisor=supervisor, month=JUNE).items.exists()
    item = drawn_sample(supervisor=red_supervisor, month=JUNE).items.get()
    assert (item.handler, item.team) == (red_dispatcher, red)


def test_supervisors_are_not_sampled_with_their_team_but_by_an_administrator(
    supervisor, blue, admin_user, api_client_for, client_for
):
    """A supervisor's own version is left out of their team's sample (which they and their
    fellow supervisors grade) and drawn only in an administrator's supervisors' sample, with
    no team, beside the teams' samples of the month: only an administrator can grade it."""
    fellow = UserFactory(supervisor=True, team=supervisor.team, username="fellow")
    _, second = rethrived(call_taker=blue["call_taker"], second_author=fellow)
    rethrived(call_taker=blue["call_taker"], second_author=blue["dispatcher"], day=2)
    team_sample = drawn_sample(supervisor=supervisor, month=JUNE)
    assert list(team_sample.items.values_list("handler__username", flat=True)) == ["dispatcher"]
    with pytest.raises(PermissionDenied):
        sample_draw(actor=supervisor, month=JUNE, seed=7, overseers=True, now=utc(2023, 1, 1))
    created = api_client_for(admin_user).post(
        "/api/qa/samples/", {"month": "2022-06", "seed": 7, "overseers": True}, format="json"
    )
    assert created.status_code == 201, created.content
    assert [item["handler"] for item in created.json()["items"]] == ["fellow"]
    fellows = SampleItem.objects.get(sample_id=created.json()["id"])
    assert fellows.assessment == second
    assert fellows.team is None
    # The fellow supervisor's own team supervisor cannot open or grade it; an administrator can.
    assert client_for(supervisor).get(f"/qa/items/{fellows.pk}/review/").status_code == 404
    refused = api_client_for(supervisor).post(
        "/api/qa/reviews/", {"sample_item": fellows.pk, **grades()}, format="json"
    )
    # As an unknown id: the answer does not tell a supervisor that the item exists.
    assert (refused.status_code, list(refused.json())) == (400, ["sample_item"])
    assert "Supervisors&#x27; own work" not in client_for(supervisor).get("/qa/samples/").content.decode()
    graded = api_client_for(admin_user).post("/api/qa/reviews/", {"sample_item": fellows.pk, **grades()}, format="json")
    assert graded.status_code == 201


def test_nobody_grades_their_own_work(admin_user, blue, api_client_for, client_for):
    other_admin = UserFactory(admin=True, username="other-admin")
    rethrived(call_taker=blue["call_taker"], second_author=admin_user)
    sample = sample_draw(actor=admin_user, month=JUNE, seed=7, overseers=True, now=utc(2023, 1, 1))
    item = sample.items.get(handler=admin_user)
    api = api_client_for(admin_user).post("/api/qa/reviews/", {"sample_item": item.pk, **grades()}, format="json")
    assert api.status_code == 409
    assert api.json()["code"] == "own_work"
    page = client_for(admin_user).post(f"/qa/items/{item.pk}/review/", {**grades(), "themes": []})
    assert page.status_code == 400
    assert "This is your own work" in page.content.decode()
    with pytest.raises(Blocked, match="own work"):
        review_record(item=item, reviewer=admin_user, data=grades())
    assert not Review.objects.exists()
    assert "This is your own work" in client_for(admin_user).get(f"/qa/items/{item.pk}/review/").content.decode()
    review = review_record(item=item, reviewer=other_admin, data=grades())
    assert review.handler == admin_user
