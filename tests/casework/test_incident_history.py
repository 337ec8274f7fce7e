"""Issue 18: an incident's pages cost the same whatever its history. The incident's page shows
the latest log entries and versions, newest first; the rest is a "Show older entries" /
"All versions" link away, on pages read by keyset (casework.selectors, incidents.selectors).
An incident with 200 versions and 1,000 log entries is built in two bulk inserts
(tests.factories.grow_history)."""

import re
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import LogEntry
from incidents.selectors import LOG_PAGE, LOG_SHOWN, log_entries, log_entries_queryset
from tests.factories import grow_history, make_incident
from thrive.models import Assessment

VERSIONS_SHOWN = 5  # casework.selectors.VERSIONS_SHOWN, as the page promises it

ENTRY_ID = re.compile(r'<li class="app-timeline__item" id="entry-(\d+)">')
VERSION_ROW = re.compile(r">Version (\d+)<")
OLDER_LINK = re.compile(r'href="([^"]*/log/\?before=\d+)"[^>]*>Show older entries')
OLDER_VERSIONS = re.compile(r'href="([^"]*/versions/\?before=\d+)"[^>]*>Show older versions')


@pytest.fixture
def small(handler):
    """Two versions and (with the opening and the two submissions) a short log."""
    return make_incident(handler=handler, assessed=True, versions=2)


@pytest.fixture
def long_history(handler):
    """Two versions through the services, then 198 more and 1,000 log entries in bulk."""
    incident = make_incident(handler=handler, assessed=True, versions=2)
    return grow_history(incident, versions=198, entries=1000)


def _get(client, url):
    client.get(url)  # the session and any per-process cache warmed, as in tests/perf
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode(), len(queries)


def _detail(incident):
    return reverse("incidents:incident-detail", kwargs={"reference": incident.reference})


def test_the_incident_page_costs_the_same_queries_with_200_versions_and_1000_entries(
    handler_client, small, long_history
):
    assert long_history.assessments.count() == 200
    assert long_history.entries.count() > 1000
    _, few = _get(handler_client, _detail(small))
    _, many = _get(handler_client, _detail(long_history))
    # The session, the user, the badge, the incident, the audit row, the newest versions, the
    # latest submitted and the reader's draft, the log's newest entries, the closure codes, the
    # closure rule's look-ups and the texts: tests/perf/test_query_counts.py pins the page with
    # victims too.
    assert (few, many) == (12, 12)


def test_the_incident_page_shows_a_bounded_number_of_rows_newest_first(handler_client, long_history):
    html, _ = _get(handler_client, _detail(long_history))
    entries = [int(pk) for pk in ENTRY_ID.findall(html)]
    newest = list(LogEntry.objects.filter(incident=long_history).order_by("-at", "-id").values_list("pk", flat=True))
    assert entries == newest[:LOG_SHOWN]
    assert [int(v) for v in VERSION_ROW.findall(html)] == [200, 199, 198, 197, 196]
    assert "History note 1000 of 1000." in html
    assert "History note 1 of 1000." not in html
    assert OLDER_LINK.search(html)
    assert reverse("incidents:incident-versions", kwargs={"reference": long_history.reference}) in html


def test_a_short_history_is_shown_whole_with_no_link_to_more(handler_client, small):
    html, _ = _get(handler_client, _detail(small))
    assert len(ENTRY_ID.findall(html)) == small.entries.count()
    assert [int(v) for v in VERSION_ROW.findall(html)] == [2, 1]
    assert not OLDER_LINK.search(html)
    assert "All versions of the assessment" not in html
    assert "The start of the log." in html


def test_every_entry_of_a_long_log_is_reached_by_following_show_older_entries(handler_client, long_history):
    """Nothing is lost and nothing shown twice: the 1,000th entry back is found by following
    the links, each page costing the same queries, each no longer than a page."""
    html, _ = _get(handler_client, _detail(long_history))
    seen = [int(pk) for pk in ENTRY_ID.findall(html)]
    counts = []
    pages = 0
    while link := OLDER_LINK.search(html):
        html, queries = _get(handler_client, unescape(link.group(1)))
        rows = [int(pk) for pk in ENTRY_ID.findall(html)]
        assert 0 < len(rows) <= LOG_PAGE
        seen += rows
        counts.append(queries)
        pages += 1
    everything = list(
        LogEntry.objects.filter(incident=long_history).order_by("-at", "-id").values_list("pk", flat=True)
    )
    assert seen == everything
    assert "History note 1 of 1000." in html
    assert "The start of the log." in html
    assert pages == -(-(len(everything) - LOG_SHOWN) // LOG_PAGE)
    assert len(set(counts)) == 1, counts


def test_every_version_is_reached_from_the_versions_pages(handler_client, long_history):
    url = reverse("incidents:incident-versions", kwargs={"reference": long_history.reference})
    html, first = _get(handler_client, url)
    seen = [int(v) for v in VERSION_ROW.findall(html)]
    counts = {first}
    while link := OLDER_VERSIONS.search(html):
        html, queries = _get(handler_client, unescape(link.group(1)))
        seen += [int(v) for v in VERSION_ROW.findall(html)]
        counts.add(queries)
    assert seen == list(range(200, 0, -1))
    assert len(counts) == 1


def test_the_log_pages_refuse_an_entry_of_another_incident_or_garbage(handler_client, small, long_history):
    url = reverse("incidents:incident-log", kwargs={"reference": small.reference})
    other = LogEntry.objects.filter(incident=long_history).first()
    for before in (str(other.pk), "abc", "-1", "²", "9" * 30):
        assert handler_client.get(url, {"before": before}).status_code == 404, before
    versions = reverse("incidents:incident-versions", kwargs={"reference": small.reference})
    for before in ("abc", "0", "9" * 30):
        assert handler_client.get(versions, {"before": before}).status_code == 404, before


def test_the_log_pages_are_for_those_who_work_incidents(client, analyst_client, small):
    for name in ("incidents:incident-log", "incidents:incident-versions"):
        url = reverse(name, kwargs={"reference": small.reference})
        assert client.get(url).status_code == 302  # to the sign-in page
        assert analyst_client.get(url).status_code == 403


def test_reading_the_log_pages_is_recorded(handler_client, handler, small):
    from audit.models import AuditEvent

    before = AuditEvent.objects.filter(incident_reference=small.reference, actor=handler).count()
    handler_client.get(reverse("incidents:incident-log", kwargs={"reference": small.reference}))
    handler_client.get(reverse("incidents:incident-versions", kwargs={"reference": small.reference}))
    assert AuditEvent.objects.filter(incident_reference=small.reference, actor=handler).count() == before + 2


def test_the_page_still_finds_the_latest_submitted_version_and_the_readers_draft_far_back(
    handler, handler_client, long_history
):
    """The closure prompt and the "carry on with your draft" button read the latest
    submitted version and the reader's own draft wherever they are, not from the rows shown."""
    from casework.services import assessment_record

    assessment_record(incident=long_history, author=handler, data={}, submit=False)  # version 201, a draft
    html, _ = _get(handler_client, _detail(long_history))
    assert "Carry on with your draft (version 201)" in html
    assert "has no completed THRIVE-SP assessment" not in html


def test_the_supervisors_review_page_shows_the_latest_entries_and_links_to_the_older(supervisor_client, long_history):
    latest = Assessment.objects.get(incident=long_history, version=200)
    small_one = make_incident(handler=long_history.handler, assessed=True, versions=1)
    _, few = _get(supervisor_client, reverse("thrive:review-detail", kwargs={"pk": small_one.assessments.get().pk}))
    html, many = _get(supervisor_client, reverse("thrive:review-detail", kwargs={"pk": latest.pk}))
    assert few == many
    assert html.count('<li class="app-timeline__item">') == LOG_SHOWN
    assert OLDER_LINK.search(html)


def test_the_latest_entries_are_read_backwards_on_the_index_without_a_sort(long_history):
    """The plan of the incident page's log query: an index scan of logentry_incident_at_id in
    the order shown, no sort of the incident's whole log (sequential scans off, as on a
    table of millions where they would not be chosen; the test table is small)."""
    qs = log_entries_queryset(long_history)[: LOG_SHOWN + 1]
    anchor = log_entries_queryset(long_history)[500]
    older = log_entries_queryset(long_history, before=anchor)[: LOG_PAGE + 1]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE incidents_logentry")
        cursor.execute("SET LOCAL enable_seqscan = off")
        for query in (qs, older):
            sql, params = query.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Index Scan Backward using logentry_incident_at_id" in plan, plan
            assert "Sort" not in plan, plan
    assert len(log_entries(long_history).entries) == LOG_SHOWN


def test_the_api_detail_keeps_every_version_as_api_md_fixes_it(api_client_for, handler, long_history):
    """API.md: `assessments` is every version, newest last; the API is not the page."""
    response = api_client_for(handler).get(f"/api/incidents/{long_history.reference}/")
    assert response.status_code == 200
    assert [a["version"] for a in response.json()["assessments"]] == list(range(1, 201))
