"""Each role lands on what it needs (issue 2)."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from tests.factories import TeamFactory, UserFactory, make_incident
from thrive.services import prompt_set_current


def home_of(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_handler_sees_their_open_incidents_and_the_new_incident_button(client, handler):
    mine = make_incident(handler=handler)
    closed = make_incident(handler=handler, closed=True)
    someone_elses = make_incident(handler=UserFactory(handler=True))

    html = home_of(client, handler)

    assert "Your incidents" in html
    assert "Your open incidents" in html
    assert mine.reference in html
    assert closed.reference not in html
    assert someone_elses.reference not in html
    assert 'href="/incidents/new/"' in html
    assert "New incident" in html


def test_a_handler_with_nothing_open_is_told_so(client, handler):
    assert "You have no open incidents." in home_of(client, handler)


def test_a_supervisor_sees_the_team_overdue_list(client, supervisor):
    team_handler = UserFactory(handler=True, team=supervisor.team)
    overdue = make_incident(handler=team_handler, assessed=True, opened_at=timezone.now() - timedelta(hours=6))
    not_due = make_incident(handler=team_handler, assessed=True)
    other_team = make_incident(
        handler=UserFactory(handler=True, team=TeamFactory(name="Red Watch")),
        assessed=True,
        opened_at=timezone.now() - timedelta(hours=6),
    )

    html = home_of(client, supervisor)

    assert "Re-THRIVE overdue in your team" in html
    assert "No open incident in your team is overdue" not in html
    overdue_table = html.split("Re-THRIVE overdue in your team", 1)[1].split("</table>", 1)[0]
    assert overdue.reference in overdue_table
    assert not_due.reference not in overdue_table
    # (Red Watch has no supervisor, so its high-risk alert reaches this one: rule 13's
    # alerts are never lost. Its incident is still not on Blue's overdue list.)
    assert other_team.reference not in overdue_table
    assert "The full overdue list" in html


def test_a_trainer_sees_the_current_prompt_wording(client, trainer):
    current = prompt_set_current()

    html = home_of(client, trainer)

    assert "Prompt wording" in html
    assert f"version {current.version}" in html
    assert 'href="/thrive/prompt-wording/"' in html
    assert 'href="/incidents/new/"' not in html  # trainers do not take calls


def test_an_analyst_sees_the_qa_figures(client, analyst):
    html = home_of(client, analyst)

    assert "Quality assurance figures" in html
    assert 'href="/incidents/new/"' not in html


def test_an_administrator_sees_the_admin_links(client, admin_user):
    html = home_of(client, admin_user)

    assert "Administration" in html
    for link in ("/admin/accounts/user/", "/admin/accounts/team/", "/admin/incidents/closurecode/"):
        assert f'href="{link}"' in html
    assert 'href="/admin/"' in html  # in the header too


@pytest.mark.parametrize("role", ["handler", "supervisor", "trainer", "analyst"])
def test_only_administrators_get_the_admin_link(client, db, role):
    user = UserFactory(**{role: True})

    assert 'href="/admin/"' not in home_of(client, user)


def test_the_home_page_shows_the_signed_in_name_and_a_sign_out_button(client, handler):
    html = home_of(client, handler)

    assert escape(handler.full_name) in html
    assert "Sign out" in html
