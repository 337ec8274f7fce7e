"""The home pages' lists, drawn in Python from tuples (home/sections.py, issue 18): each row
shows what it showed as a template loop over model instances, with every value escaped."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from casework.services import assessment_record
from incidents.handover import handover_candidates
from incidents.models import Category, Incident
from tests.factories import UserFactory, make_incident
from thrive.models import Assessment, AssessmentStatus

pytestmark = pytest.mark.django_db


def home_of(client, user) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def local(value, pattern: str) -> str:
    return timezone.localtime(value).strftime(pattern)


def row_of(html: str, reference: str) -> str:
    """The table row (or list item) whose link names the reference."""
    match = re.search(rf"<(tr|li)[^>]*>(?:(?!</\1>).)*?>{re.escape(reference)}<.*?</\1>", html, re.S)
    assert match, f"no row for {reference}"
    return match.group(0)


def test_a_handlers_open_incident_row_shows_its_link_opening_category_owner_status_and_due_time(client, handler):
    overdue = make_incident(handler=handler, assessed=True, opened_at=timezone.now() - timedelta(hours=6))
    overdue.refresh_from_db()

    row = row_of(home_of(client, handler), overdue.reference)

    assert f'href="/incidents/{overdue.reference}/"' in row
    assert local(overdue.opened_at, "%d/%m/%Y %H:%M") in row
    assert overdue.category.name in row
    assert handler.display_name.replace("'", "&#x27;") in row
    assert 'govuk-tag--blue">Open</strong>' in row
    assert "Re-THRIVE overdue" in row
    assert local(overdue.rethrive_due_at, "%d/%m %H:%M") in row


def test_an_incident_not_yet_due_is_open_without_the_overdue_tag(client, handler):
    fresh = make_incident(handler=handler, assessed=True)

    row = row_of(home_of(client, handler), fresh.reference)

    assert "Open</strong>" in row
    assert "Re-THRIVE overdue" not in row


def test_more_open_incidents_than_the_list_shows_link_to_all_of_them(client, handler):
    refs = [make_incident(handler=handler).reference for _ in range(26)]

    html = home_of(client, handler)

    assert "All 26 of your open incidents</a>" in html
    assert f'href="/incidents/?status=open&owner={handler.username}"' in html
    newest_first = sorted(refs, key=lambda r: Incident.objects.get(reference=r).opened_at, reverse=True)
    table = html.split("Your open incidents", 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<a class="govuk-link" href="/incidents/[^"]+/">([^<]+)</a>', table) == newest_first[:25]


def test_the_handover_form_lists_the_same_incidents_as_the_handover_page_soonest_due_first(client, handler):
    UserFactory(handler=True, team=handler.team)  # someone to hand over to
    later = make_incident(handler=handler, assessed=True)
    sooner = make_incident(handler=handler, assessed=True, opened_at=timezone.now() - timedelta(hours=6))
    make_incident(handler=handler, closed=True)

    html = home_of(client, handler)
    form = html.split('id="handover"', 1)[1].split("</form>", 1)[0]

    expected = list(handover_candidates(handler).values_list("reference", flat=True))
    assert expected == [sooner.reference, later.reference]
    assert re.findall(r'name="references" type="checkbox" value="([^"]+)" checked', form) == expected
    sooner.refresh_from_db()
    due = local(sooner.rethrive_due_at, "%d/%m %H:%M")
    assert f"{sooner.reference}, {sooner.category.name}: re-THRIVE due {due}" in form


def test_a_draft_row_links_to_the_form_with_its_version_and_last_save(client, handler):
    incident = make_incident(handler=handler)
    draft = assessment_record(incident=incident, author=handler, data={"threat": "x"}, submit=False)

    item = row_of(home_of(client, handler), f"{incident.reference}: draft version {draft.version}")

    assert f'href="/thrive/incidents/{incident.reference}/assessment/"' in item
    assert f"last saved {local(draft.updated_at, '%d/%m/%Y %H:%M')}" in item


def test_a_supervisor_sees_the_teams_overdue_rows_and_latest_submissions(client, supervisor):
    colleague = UserFactory(handler=True, team=supervisor.team, full_name="Ann Colleague")
    overdue = make_incident(handler=colleague, assessed=True, opened_at=timezone.now() - timedelta(hours=6))
    overdue.refresh_from_db()
    submitted = Assessment.objects.get(incident=overdue, status=AssessmentStatus.SUBMITTED)

    html = home_of(client, supervisor)

    overdue_table = html.split("Re-THRIVE overdue in your team", 1)[1].split("</table>", 1)[0]
    row = row_of(overdue_table, overdue.reference)
    assert f'href="/incidents/{overdue.reference}/"' in row
    assert "Ann Colleague" in row
    assert overdue.category.name in row
    assert "Re-THRIVE overdue" in row
    submissions = html.split("Latest assessments submitted in your team", 1)[1].split("</table>", 1)[0]
    row = row_of(submissions, overdue.reference)
    assert f'href="/thrive/incidents/{overdue.reference}/assessment/v{submitted.version}/"' in row
    assert f'<td class="govuk-table__cell">{submitted.version}</td>' in row
    assert "Ann Colleague" in row
    assert local(submitted.submitted_at, "%d/%m/%Y %H:%M") in row
    assert submitted.risk_level_label in row


def test_names_typed_by_people_are_escaped_in_the_rows(client, supervisor):
    colleague = UserFactory(handler=True, team=supervisor.team, full_name='<script>alert("x")</script> & Co')
    overdue = make_incident(handler=colleague, assessed=True, opened_at=timezone.now() - timedelta(hours=6))
    Category.objects.filter(pk=overdue.category_id).update(name="<b>Burglary</b> & more")
    mine = make_incident(handler=supervisor, assessed=True)

    html = home_of(client, supervisor)

    assert "<script>alert" not in html
    assert "<b>Burglary</b>" not in html
    overdue_table = html.split("Re-THRIVE overdue in your team", 1)[1].split("</table>", 1)[0]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in row_of(overdue_table, overdue.reference)
    assert "&lt;b&gt;Burglary&lt;/b&gt; &amp; more" in row_of(overdue_table, overdue.reference)
    submissions = html.split("Latest assessments submitted in your team", 1)[1].split("</table>", 1)[0]
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in row_of(submissions, overdue.reference)
    own_table = html.split("Incidents you own", 1)[1].split("</table>", 1)[0]
    assert "&lt;b&gt;Burglary&lt;/b&gt; &amp; more" in row_of(own_table, mine.reference)
    form = html.split('id="handover"', 1)[1].split("</form>", 1)[0]
    assert f"{mine.reference}, &lt;b&gt;Burglary&lt;/b&gt; &amp; more: re-THRIVE due" in form
