"""Issue 15: the QA grade scale is data an administrator keeps (HMICFRS's five points and
not applicable), the Wiltshire percentages stay good-or-outstanding, and the migration that
moves the grades onto the table changes no figure of the QA table."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count, Q

from audit.models import AuditEvent
from qa.models import Check, Grade, GradeLevel, Review
from qa.rules import percentage
from qa.selectors import QaFilters, qa_monthly
from qa.services import review_correct, review_record
from tests.qa.factories import WILTSHIRE_JUNE, closed_incident, drawn_sample, grades, utc, wiltshire_june

JUNE = date(2022, 6, 1)
BEFORE = [("qa", "0002_evidence_kept")]


def _old_figures(review_model) -> dict:
    """The QA table's June column by the code path before the scale was data: grades were a
    fixed enum, good-or-outstanding meant the two codes, not applicable the one."""
    counts = {"calls": Count("id")}
    for m in ("vulnerability", "prevention", "preservation"):
        counts[f"{m}_good"] = Count("id", filter=Q(**{f"{m}__in": ["outstanding", "good"]}))
        counts[f"{m}_of"] = Count("id", filter=~Q(**{m: "not_applicable"}))
    counts["repeat_victim_check_good"] = Count("id", filter=Q(repeat_victim_check="yes"))
    counts["repeat_victim_check_of"] = Count("id", filter=~Q(repeat_victim_check="not_applicable"))
    row = review_model.objects.filter(current=True, month=JUNE).aggregate(**counts)
    figures = {"month": "2022-06", "calls_assessed": row["calls"]}
    for m in ("vulnerability", "prevention", "preservation", "repeat_victim_check"):
        figures[f"{m}_pct"] = float(percentage(row[f"{m}_good"], row[f"{m}_of"]))
    return figures


def _new_figures() -> dict:
    (row,) = qa_monthly(QaFilters(first=JUNE, last=JUNE))
    return row.as_api()


# serialized_rollback: the flush after it leaves the database as the next such test expects
# (as the other transactional tests do: tests/browser/support.py BROWSER).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_wiltshire_june_is_the_same_before_and_after_the_grade_scale_migration(supervisor):
    wiltshire_june(supervisor)
    with_scale = _new_figures()
    executor = MigrationExecutor(connection)
    latest = [key for key in executor.loader.graph.leaf_nodes() if key[0] == "qa"]
    # Back to the enum: the grades are plain codes again, figured the old way.
    executor.migrate(BEFORE)
    old_apps = MigrationExecutor(connection).loader.project_state(BEFORE).apps
    assert "gradelevel" not in {model._meta.model_name for model in old_apps.get_app_config("qa").get_models()}
    before = _old_figures(old_apps.get_model("qa", "Review"))
    # Forward again: the migration seeds the scale and points every grade at it.
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(latest)
    after = _new_figures()
    assert before == with_scale == after == WILTSHIRE_JUNE
    assert list(GradeLevel.objects.values_list("code", "counts_as_good", "not_applicable")) == [
        ("outstanding", True, False),
        ("good", True, False),
        ("adequate", False, False),
        ("requires_improvement", False, False),
        ("inadequate", False, False),
        ("not_applicable", False, True),
    ]


@pytest.fixture
def june_item(supervisor, handler):
    closed_incident(handler=handler, closed_at=utc(2022, 6, 3, 12))
    closed_incident(handler=handler, closed_at=utc(2022, 6, 4, 12))
    return list(drawn_sample(supervisor=supervisor, month=JUNE).items.order_by("id"))


def test_adequate_is_offered_and_counts_against_the_good_or_outstanding_share(june_item, supervisor, api_client_for):
    response = api_client_for(supervisor).post(
        "/api/qa/reviews/",
        {"sample_item": june_item[0].pk, **grades(Grade.ADEQUATE, Grade.ADEQUATE, Grade.GOOD)},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["vulnerability"] == "adequate"
    review_record(item=june_item[1], reviewer=supervisor, data=grades(Grade.OUTSTANDING, Grade.NOT_APPLICABLE))
    (row,) = qa_monthly(QaFilters(first=JUNE, last=JUNE))
    assert row.vulnerability_pct == Decimal("50.0")  # adequate is not good or outstanding
    assert row.prevention_pct == Decimal("0.0")  # adequate of 1: not applicable left out


def test_a_code_off_the_scale_is_refused_naming_the_field(june_item, supervisor, api_client_for, client_for):
    response = api_client_for(supervisor).post(
        "/api/qa/reviews/", {"sample_item": june_item[0].pk, **grades(vulnerability="fine")}, format="json"
    )
    assert response.status_code == 400
    assert "vulnerability" in response.json()
    page = client_for(supervisor).post(
        f"/qa/items/{june_item[0].pk}/review/", {**grades(vulnerability="fine"), "themes": []}
    )
    assert page.status_code == 400
    assert "Choose outstanding, good, adequate, requires improvement, inadequate or not applicable" in (
        page.content.decode()
    )
    assert not Review.objects.exists()


def test_an_administrators_level_counts_as_they_set_it_and_a_retired_one_is_not_offered(
    june_item, supervisor, admin_user, client_for
):
    admin = client_for(admin_user)
    response = admin.post(
        "/admin/qa/gradelevel/add/",
        {"code": "exceptional", "label": "Exceptional", "order": 5, "counts_as_good": "on", "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    level = GradeLevel.objects.get(code="exceptional")
    event = AuditEvent.objects.get(object_type="qa_grade_level", object_id=str(level.pk))
    assert event.actor == admin_user
    assert event.channel == "admin"
    assert "counts_as_good=True" in event.description
    # The grading form offers it by its label, first in the scale's order.
    form = client_for(supervisor).get(f"/qa/items/{june_item[0].pk}/review/").content.decode()
    assert form.index(">Exceptional<") < form.index(">Outstanding<")
    review_record(item=june_item[0], reviewer=supervisor, data=grades(vulnerability="exceptional"))
    assert qa_monthly(QaFilters(first=JUNE, last=JUNE))[0].vulnerability_pct == Decimal("100.0")
    # Retired: not offered, refused for a new grade; the grade already given keeps counting.
    change = admin.post(
        f"/admin/qa/gradelevel/{level.pk}/change/",
        {"label": "Exceptional", "order": 5, "counts_as_good": "on"},
    )
    assert change.status_code == 302
    assert AuditEvent.objects.filter(object_type="qa_grade_level", description__contains="active=False").exists()
    assert ">Exceptional<" not in client_for(supervisor).get(f"/qa/items/{june_item[1].pk}/review/").content.decode()
    with pytest.raises(ValidationError, match="vulnerability"):
        review_record(item=june_item[1], reviewer=supervisor, data=grades(vulnerability="exceptional"))
    assert qa_monthly(QaFilters(first=JUNE, last=JUNE))[0].vulnerability_pct == Decimal("100.0")
    # A correction of that review may keep the retired grade it already holds.
    first = Review.objects.get(item=june_item[0])
    kept = review_correct(
        review=first,
        reviewer=supervisor,
        data=grades(vulnerability="exceptional", prevention="adequate"),
        reason="Typo.",
    )
    assert kept.vulnerability_id == "exceptional"


def test_a_level_cannot_both_count_as_good_and_be_not_applicable_nor_be_deleted(admin_user, client_for):
    admin = client_for(admin_user)
    response = admin.post(
        "/admin/qa/gradelevel/add/",
        {"code": "odd", "label": "Odd", "order": 1, "counts_as_good": "on", "not_applicable": "on", "active": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert not GradeLevel.objects.filter(code="odd").exists()
    good = GradeLevel.objects.get(code="good")
    assert admin.post(f"/admin/qa/gradelevel/{good.pk}/delete/", {"post": "yes"}).status_code == 403
    assert GradeLevel.objects.filter(code="good").exists()


def test_pages_show_the_grades_label(june_item, supervisor, handler, client_for):
    review_record(item=june_item[0], reviewer=supervisor, data=grades(Grade.ADEQUATE, repeat_victim_check=Check.NO))
    html = client_for(handler).get("/qa/feedback/").content.decode()
    assert "Adequate" in html
    assert "adequate<" not in html.replace("Adequate<", "")
