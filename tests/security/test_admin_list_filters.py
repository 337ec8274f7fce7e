"""Outside re-review of issue 13 (item 14's rule, "nothing a client sends is a 500", on the
admin): a year or month out of Python's date range in an admin list's date drill-down
(`?created_at__year=`, `?at__year=`) or date filter (`?month__year=`) was a 500 from Django's
ChangeList. Django's own answer to a bad list filter is a redirect to the list with `?e=1`
("Database error" note); these get the same."""

import pytest

from tests.factories import UserFactory

HUGE = "9" * 30


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        f"/admin/emails/email/?created_at__year={HUGE}",
        f"/admin/emails/email/?created_at__year=2026&created_at__month={HUGE}",
        "/admin/emails/email/?created_at__year=2026&created_at__month=13",
        f"/admin/audit/auditevent/?at__year={HUGE}",
        "/admin/audit/auditevent/?at__year=-1",
        f"/admin/qa/review/?month__year={HUGE}",
        "/admin/qa/review/?month__year=-1",
        "/admin/qa/review/?month__year=0",
    ],
)
def test_admin_list_with_an_impossible_date_is_not_a_500(client, path):
    client.force_login(UserFactory(admin=True, username="administrator"))
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


@pytest.mark.django_db
def test_admin_list_with_a_real_date_still_filters(client):
    client.force_login(UserFactory(admin=True, username="administrator"))
    assert client.get("/admin/audit/auditevent/?at__year=2026").status_code == 200
    assert client.get("/admin/qa/review/?month__year=2026").status_code == 200
