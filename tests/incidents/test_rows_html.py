"""The incident tables' rows (built in Python) escape every value and still link, filter and
tag correctly: a handler's name and an opening code's name hold markup characters here."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Category, Incident
from tests.factories import UserFactory, make_incident

NASTY = 'Tom & "Jo" O\'Brien <script>alert(1)</script>'
ESCAPED = "Tom &amp; &quot;Jo&quot; O&#x27;Brien &lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
def nasty_incident(db):
    handler = UserFactory(handler=True, username="nasty", full_name=NASTY)
    Category.objects.create(code="odd_code", name=f"Odd {NASTY}")
    incident = make_incident(handler=handler, category="odd_code", opened_at=timezone.now() - timedelta(hours=5))
    # Past its re-THRIVE time: the overdue tag shows.
    Incident.objects.filter(pk=incident.pk).update(rethrive_due_at=timezone.now() - timedelta(minutes=1))
    return Incident.objects.get(pk=incident.pk)


def test_the_incident_list_escapes_names_and_still_filters_and_links(client_for, nasty_incident):
    client = client_for(nasty_incident.handler)
    response = client.get(reverse("incidents:incident-list"), {"handler": "nasty"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in html
    assert f'<td class="govuk-table__cell">Odd {ESCAPED}</td>' in html
    assert f'<td class="govuk-table__cell">{ESCAPED}</td>' in html
    # The filter kept its choice, and the row links to the incident.
    assert f'<option value="nasty" selected>{ESCAPED}</option>' in html
    url = reverse("incidents:incident-detail", kwargs={"reference": nasty_incident.reference})
    assert f'<a class="govuk-link" href="{url}">{nasty_incident.reference}</a>' in html
    assert "Re-THRIVE overdue" in html


def test_the_handler_home_escapes_names(client_for, nasty_incident):
    response = client_for(nasty_incident.handler).get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert nasty_incident.reference in html
    assert "<script>alert(1)</script>" not in html
    assert f"Odd {ESCAPED}" in html


def test_the_incident_list_rows_show_every_column(client_for, nasty_incident):
    """Each row of the list (built from value tuples, not incidents): reference and link,
    opened, category, grading, owner (after a handover, the new owner), status tags and the
    re-THRIVE time, which a closed incident shows as a dash."""
    from incidents.gradings import grading_label

    owner = UserFactory(handler=True, username="newowner", full_name="")
    Incident.objects.filter(pk=nasty_incident.pk).update(owner=owner)
    closed = make_incident(handler=nasty_incident.handler, closed=True)
    response = client_for(nasty_incident.handler).get(reverse("incidents:incident-list"), {"handler": "nasty"})
    html = response.content.decode()
    local = timezone.localtime

    def row(incident, owner_name, tags, due):
        url = reverse("incidents:incident-detail", kwargs={"reference": incident.reference})
        cells = [
            local(incident.opened_at).strftime("%d/%m/%Y %H:%M"),
            incident.category.name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"),
            grading_label(incident.grading),
            owner_name,
            tags,
            due,
        ]  # fmt: skip
        return (
            f'<tr class="govuk-table__row"><td class="govuk-table__cell"><a class="govuk-link" href="{url}">'
            f"{incident.reference}</a></td>" + "".join(f'<td class="govuk-table__cell">{c}</td>' for c in cells)
        )

    overdue = (
        '<strong class="govuk-tag govuk-tag--blue">Open</strong> '
        '<strong class="govuk-tag govuk-tag--red">Re-THRIVE overdue</strong>'
    )
    assert (
        row(nasty_incident, "newowner", overdue, local(nasty_incident.rethrive_due_at).strftime("%d/%m %H:%M")) in html
    )
    closed.refresh_from_db()
    assert row(closed, ESCAPED, '<strong class="govuk-tag govuk-tag--grey">Closed</strong>', "–") in html
    # Newest first.
    assert html.index(closed.reference) < html.index(nasty_incident.reference)


def test_the_incident_log_items_show_time_kind_author_and_text_escaped(client_for, nasty_incident):
    """The log's items (built in Python): each entry's local time (machine and human), its
    kind, its author's name and its text, the name and the text escaped."""
    from incidents.models import EntryKind, LogEntry

    at = timezone.now() - timedelta(minutes=3)
    entry = LogEntry.objects.create(
        incident=nasty_incident, at=at, author=nasty_incident.handler, kind=EntryKind.NOTE, text=f"Said {NASTY}"
    )
    system = LogEntry.objects.create(
        incident=nasty_incident, at=at - timedelta(minutes=1), author=None, kind=EntryKind.NOTE, text="No author"
    )
    for url in (
        reverse("incidents:incident-detail", kwargs={"reference": nasty_incident.reference}),
        reverse("incidents:incident-log", kwargs={"reference": nasty_incident.reference}),
    ):
        html = client_for(nasty_incident.handler).get(url).content.decode()
        local = timezone.localtime(at)
        assert "<script>alert(1)</script>" not in html
        assert (
            f'<li class="app-timeline__item" id="entry-{entry.pk}">\n'
            f'      <p class="app-timeline__meta"><time datetime="{local.isoformat()}">'
            f"{local:%d/%m/%Y %H:%M:%S}</time> · Note · {ESCAPED}</p>\n"
            f'      <p class="app-timeline__text">Said {ESCAPED}</p>\n    </li>'
        ) in html
        # An entry without an author names none.
        local = timezone.localtime(system.at)
        assert (
            f'<time datetime="{local.isoformat()}">{local:%d/%m/%Y %H:%M:%S}</time> · Note</p>\n'
            '      <p class="app-timeline__text">No author</p>'
        ) in html
