"""Review issue 13, item 11: export records and QA grades are evidence. Nobody deletes an
export record or a grade: the admin offers no delete, the model refuses, and on PostgreSQL
a trigger refuses even a query set's delete() or a hand-typed statement."""

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from audit.models import Action, AuditEvent
from qa.models import Dispute, ExportRecord, Review, Sample
from qa.services import dispute_raise, export_record
from tests.qa.factories import closed_incident, drawn_sample, grade_items, grades, utc

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(analyst):
    return export_record(user=analyst, format="csv", filters={"from": "2022-06", "to": "2022-06"})


@pytest.fixture
def graded(handler, supervisor):
    from datetime import date

    closed_incident(handler=handler, closed_at=utc(2022, 6, 10, 12))
    sample = drawn_sample(supervisor=supervisor, month=date(2022, 6, 1))
    [review] = grade_items(list(sample.items.all()), supervisor, [grades(feedback="Kept.")])
    return review


def test_an_export_is_also_written_to_the_audit_log(api_client_for, analyst):
    response = api_client_for(analyst).get("/qa/export.csv?from=2022-06&to=2022-06")

    assert response.status_code == 200
    event = AuditEvent.objects.get(object_type="qa_export")
    assert (event.action, event.actor_username, event.channel) == (Action.DISCLOSE, "analyst", "api")
    assert "2022-06" in event.description


def test_the_admin_cannot_delete_or_change_an_export_record(export, admin_user, client_for):
    client = client_for(admin_user)

    delete = client.post(reverse("admin:qa_exportrecord_delete", args=[export.pk]), {"post": "yes"})
    bulk = client.post(
        reverse("admin:qa_exportrecord_changelist"), {"action": "delete_selected", "_selected_action": [export.pk]}
    )

    assert delete.status_code == 403
    # The bulk delete is not offered (no delete permission): the admin shows the list again
    # with nothing done.
    assert bulk.status_code == 200
    assert bulk.context["action_form"] is None  # no action at all, delete_selected included
    assert ExportRecord.objects.filter(pk=export.pk).exists()


def test_an_export_record_cannot_be_deleted_or_changed_even_in_bulk(export):
    with pytest.raises(PermissionError):
        export.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        ExportRecord.objects.filter(pk=export.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        ExportRecord.objects.filter(pk=export.pk).update(format="xlsx")
    assert ExportRecord.objects.get(pk=export.pk).format == "csv"


@pytest.mark.parametrize("model", ["review", "dispute", "sample"])
def test_the_admin_cannot_delete_grades_disputes_or_samples(graded, handler, admin_user, client_for, model):
    dispute = dispute_raise(review=graded, actor=handler, comment="I gave the advice.")
    obj = {"review": graded, "dispute": dispute, "sample": graded.item.sample}[model]

    response = client_for(admin_user).post(reverse(f"admin:qa_{model}_delete", args=[obj.pk]), {"post": "yes"})

    assert response.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_a_grade_cannot_be_deleted_even_in_bulk(graded):
    with pytest.raises(PermissionError):
        graded.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Review.objects.filter(pk=graded.pk).delete()
    assert Review.objects.filter(pk=graded.pk).exists()
    assert Sample.objects.exists()
    assert not Dispute.objects.exists()
