"""Query counts pinned on the incident list and detail, in the browser and the API, and proved
not to grow with the number of incidents, log entries or assessment versions.

Each count is taken once with 3 and once with 30 of the thing that could multiply queries;
both must equal the pinned number."""

import pytest
from django.urls import reverse

from incidents.services import incident_add_note
from tests.factories import make_incident

# The pinned counts. A change that adds a query per page is deliberate: update the number
# here and say why; a change that adds a query per row fails at 30.
# list page: session, user with its team, the returned-queue badge, count, teams, handlers,
# the page of incidents (category, handler and team joined). The session is saved at most
# once a minute (accounts.middleware.IdleSessionMiddleware), so not on these warm pages.
LIST_PAGE = 7
# detail page: session, user with its team, the badge, the incident with its joins,
# the newest versions (authors and wording joined), the latest submitted version and the
# reader's draft (issue 18: the page reads a slice of the history, not all of it), the newest
# entries (authors joined), open returns, texts, victims, closure codes, the audit row for the
# view (rule 4) and, as the first page since login, the session's renewal (an UPDATE inside
# a savepoint here: 3).
DETAIL_PAGE = 15
# API list: the token with its user, the count, the page.
API_LIST = 3
# API detail: the token, the incident, entries, versions, victims, texts,
# and the audit row for the read (rule 4).
API_DETAIL = 7


@pytest.fixture
def many(handler):
    """Make `n` incidents (some assessed, some closed) for the list."""

    def make(n: int) -> None:
        for number in range(n):
            make_incident(handler=handler, assessed=number % 3 != 0, closed=number % 3 == 2)

    return make


@pytest.fixture
def busy_incident(handler):
    """One incident with `n` assessment versions and `n` extra log entries."""

    def make(n: int):
        incident = make_incident(handler=handler, assessed=True, versions=n)
        for number in range(n):
            incident_add_note(incident=incident, actor=handler, text=f"Note {number}")
        return incident

    return make


@pytest.mark.parametrize("n", [3, 30])
def test_the_incident_list_page_costs_a_fixed_number_of_queries(handler_client, many, n, django_assert_num_queries):
    many(n)
    url = reverse("incidents:incident-list")
    handler_client.get(url)  # warm the session and the user
    with django_assert_num_queries(LIST_PAGE):
        response = handler_client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("n", [3, 30])
def test_the_incident_detail_page_costs_a_fixed_number_of_queries(
    handler_client, busy_incident, n, django_assert_num_queries
):
    incident = busy_incident(n)
    url = reverse("incidents:incident-detail", kwargs={"reference": incident.reference})
    with django_assert_num_queries(DETAIL_PAGE):
        response = handler_client.get(url)
    assert response.status_code == 200
    assert f"Version {n}" in response.content.decode()


@pytest.mark.parametrize("n", [3, 30])
def test_the_api_list_costs_a_fixed_number_of_queries(handler, api_client_for, many, n, django_assert_num_queries):
    many(n)
    api = api_client_for(handler)
    with django_assert_num_queries(API_LIST):
        response = api.get("/api/incidents/")
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [3, 30])
def test_the_api_detail_costs_a_fixed_number_of_queries(
    handler, api_client_for, busy_incident, n, django_assert_num_queries
):
    incident = busy_incident(n)
    api = api_client_for(handler)
    with django_assert_num_queries(API_DETAIL):
        response = api.get(f"/api/incidents/{incident.reference}/")
    assert len(response.json()["assessments"]) == n
