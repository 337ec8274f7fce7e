"""Training that is training (rule 9): trainers record briefings (the day, the topic, the
version of the wording briefed, who attended) through the one service, and the trained /
not-yet chart counts attendance, with the acknowledgement beside it."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.html import escape

from audit.models import Action, AuditEvent
from tests.factories import TeamFactory, UserFactory
from thrive.models import Briefing
from thrive.wording import briefing_record, trained_by_team, wording_acknowledge

pytestmark = pytest.mark.django_db


def _brief(trainer, v1, *people, **overrides):
    values = {
        "actor": trainer,
        "held_on": timezone.localdate() - timedelta(days=1),
        "topic": "Voice of the child",
        "prompt_set_id": v1.pk,
        "attendee_ids": [p.pk for p in people],
        **overrides,
    }
    return briefing_record(**values)


# --- The service ------------------------------------------------------------------------


def test_a_briefing_is_recorded_with_who_attended_and_audited(trainer, v1, handler, supervisor):
    briefing = _brief(trainer, v1, handler, supervisor)
    assert set(briefing.attendees.all()) == {handler, supervisor}
    assert (briefing.topic, briefing.prompt_set, briefing.recorded_by) == ("Voice of the child", v1, trainer)
    event = AuditEvent.objects.get(object_type="briefing", object_id=str(briefing.pk))
    assert (event.action, event.actor) == (Action.COLLECT, trainer)
    assert "2 attended" in event.description


def test_each_problem_is_named_and_nothing_is_saved(trainer, v1):
    with pytest.raises(ValidationError) as exc:
        briefing_record(actor=trainer, held_on=None, topic="  ", prompt_set_id="x", attendee_ids=[])
    assert set(exc.value.message_dict) == {"held_on", "topic", "prompt_set", "attendees"}
    assert not Briefing.objects.exists()
    assert not AuditEvent.objects.filter(object_type="briefing").exists()


def test_a_future_date_an_unknown_person_and_a_trainer_are_refused(trainer, v1, handler):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as exc:
        _brief(trainer, v1, handler, held_on=tomorrow)
    assert "held_on" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        briefing_record(
            actor=trainer, held_on=timezone.localdate(), topic="T", prompt_set_id=v1.pk, attendee_ids=[999999]
        )
    assert "attendees" in exc.value.message_dict
    with pytest.raises(ValidationError):
        _brief(trainer, v1, trainer)  # trainers give briefings; the chart counts handlers and supervisors
    with pytest.raises(ValidationError):
        briefing_record(actor=trainer, held_on=timezone.localdate(), topic="T", prompt_set_id=v1.pk, attendee_ids=["x"])


def test_a_draft_version_cannot_be_briefed(trainer, v1, handler):
    from thrive.wording import prompt_set_draft_start

    draft = prompt_set_draft_start(actor=trainer)
    with pytest.raises(ValidationError) as exc:
        _brief(trainer, v1, handler, prompt_set_id=draft.pk)
    assert "prompt_set" in exc.value.message_dict


# --- The chart --------------------------------------------------------------------------


def test_the_chart_counts_attendance_as_trained_and_shows_acknowledgement_beside(trainer, v1, handler, supervisor):
    red = TeamFactory(name="Red Watch")
    red_handler = UserFactory(handler=True, team=red)
    # The handler acknowledged but never attended: acknowledged, not trained.
    wording_acknowledge(user=handler, prompt_set=v1)
    # The supervisor attended and did not acknowledge: trained.
    _brief(trainer, v1, supervisor)
    rows = {r.team: r for r in trained_by_team(v1)}
    blue = rows["Blue Watch"]
    assert [u.pk for u in blue.trained] == [supervisor.pk]
    assert [u.pk for u in blue.not_yet] == [handler.pk]
    assert [u.pk for u in blue.acknowledged] == [handler.pk]
    assert (blue.percent, blue.acknowledged_percent) == (50, 50)
    assert (rows["Red Watch"].percent, [u.pk for u in rows["Red Watch"].not_yet]) == (0, [red_handler.pk])


def test_a_briefing_on_another_version_does_not_count(trainer, v1, handler):
    from tests.wording.test_views import _v2

    v2 = _v2(trainer, v1)
    _brief(trainer, v1, handler)
    rows = {r.team: r for r in trained_by_team(v2)}
    assert rows["Blue Watch"].trained == []


# --- The pages ----------------------------------------------------------------------------


def test_the_trained_page_shows_trained_by_attendance_and_acknowledged_beside(trainer, trainer_client, v1, handler):
    _brief(trainer, v1, handler)
    page = trainer_client.get("/thrive/training/").content.decode()
    assert "Attended a briefing" in page
    assert "Acknowledged" in page
    assert "1 trained" in page


def test_recording_a_briefing_on_the_page(trainer_client, v1, handler, supervisor):
    page = trainer_client.get("/thrive/briefings/new/").content.decode()
    assert escape(handler.display_name) in page
    assert "Blue Watch" in page
    response = trainer_client.post(
        "/thrive/briefings/new/",
        {
            "held_on_day": "2",
            "held_on_month": "3",
            "held_on_year": str(timezone.localdate().year - 1),
            "topic": "Scene preservation",
            "prompt_set": str(v1.pk),
            "attendees": [str(handler.pk), str(supervisor.pk)],
        },
    )
    briefing = Briefing.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/thrive/briefings/{briefing.pk}/"
    assert briefing.attendees.count() == 2
    detail = trainer_client.get(response["Location"]).content.decode()
    assert "Scene preservation" in detail
    assert escape(handler.display_name) in detail
    assert f"version {v1.version}" in detail


def test_the_form_names_each_problem_and_keeps_what_was_chosen(trainer_client, v1, handler):
    response = trainer_client.post(
        "/thrive/briefings/new/",
        {"held_on_day": "31", "held_on_month": "2", "held_on_year": "2025", "attendees": [str(handler.pk)]},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page
    for anchor in ("#f-held-on-day", "#f-topic", "#f-prompt-set"):
        assert anchor in page
    assert f'value="{handler.pk}" checked' in page
    assert not Briefing.objects.exists()


def test_the_list_shows_each_briefing_with_labels_and_counts(trainer, trainer_client, v1, handler, supervisor):
    _brief(trainer, v1, handler, supervisor, topic="Harm prompts")
    page = trainer_client.get("/thrive/briefings/").content.decode()
    assert "Harm prompts" in page
    assert f"{v1.name} version {v1.version}" in page
    assert ">2<" in page


def test_the_list_costs_the_same_queries_however_many_briefings(
    trainer, trainer_client, v1, handler, django_assert_max_num_queries
):
    for n in range(12):
        _brief(trainer, v1, handler, topic=f"Topic {n}")
    # The session (read and saved), the user, the briefings with their versions, recorders
    # and attendance counts (one query), the force's model and its current version, and
    # the header's own: the same for 12 briefings as for one.
    with django_assert_max_num_queries(8):
        assert trainer_client.get("/thrive/briefings/").status_code == 200


def test_the_briefing_pages_are_the_trainers(handler_client, analyst_client, client, trainer, v1, handler):
    briefing = _brief(trainer, v1, handler)
    for url in (
        "/thrive/briefings/",
        "/thrive/briefings/new/",
        f"/thrive/briefings/{briefing.pk}/",
    ):
        assert handler_client.get(url).status_code == 403
        assert analyst_client.get(url).status_code == 403
        assert client.get(url).status_code == 302  # to the sign-in page
    assert handler_client.post("/thrive/briefings/new/", {}).status_code == 403


def test_an_unknown_briefing_is_404(trainer_client, v1):
    assert trainer_client.get("/thrive/briefings/999999/").status_code == 404


# --- The API ------------------------------------------------------------------------------


def test_the_api_records_a_briefing_by_usernames_and_lists_it(trainer, v1, handler, supervisor, api_client_for):
    client = api_client_for(trainer)
    body = {
        "held_on": timezone.localdate().isoformat(),
        "topic": "Scene preservation",
        "version": v1.version,
        "attendees": [handler.username, supervisor.username],
    }
    response = client.post("/api/briefings/", body, format="json")
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["version"], created["attended"], sorted(created["attendees"])) == (
        v1.version,
        2,
        sorted([handler.username, supervisor.username]),
    )
    assert AuditEvent.objects.filter(object_type="briefing", object_id=str(created["id"]), channel="api").exists()
    listed = client.get("/api/briefings/").json()
    assert listed["count"] == 1
    assert [(b["topic"], b["attended"]) for b in listed["results"]] == [("Scene preservation", 2)]
    assert client.get(f"/api/briefings/{created['id']}/").json()["attendees"] == created["attendees"]


def test_the_api_names_each_bad_field_with_400(trainer, v1, api_client_for):
    client = api_client_for(trainer)
    response = client.post(
        "/api/briefings/",
        {"held_on": timezone.localdate().isoformat(), "topic": "", "version": 999, "attendees": ["nobody", "12"]},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"topic", "version", "attendees"}
    assert client.post("/api/briefings/", {"held_on": "not a date"}, format="json").status_code == 400
    assert not Briefing.objects.exists()


def test_an_unknown_wording_family_is_named_as_the_family(trainer, v1, handler, api_client_for):
    body = {
        "held_on": timezone.localdate().isoformat(),
        "topic": "Scene preservation",
        "version": v1.version,
        "family": "no_such_wording",
        "attendees": [handler.username],
    }
    response = api_client_for(trainer).post("/api/briefings/", body, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["family"]
    assert not Briefing.objects.exists()


def test_the_api_is_the_trainers(handler, analyst, trainer, v1, api_client_for, client):
    assert api_client_for(handler).get("/api/briefings/").status_code == 403
    assert api_client_for(analyst).post("/api/briefings/", {}, format="json").status_code == 403
    assert client.get("/api/briefings/").status_code == 401
    assert api_client_for(trainer).get("/api/briefings/999999/").status_code == 404
