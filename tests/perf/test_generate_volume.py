"""generate_volume writes what the services would: checked on a small volume."""

import pytest
from django.core.management import call_command
from django.db.models import Count

from incidents.models import Incident
from qa.compliance import compliance_monthly
from qa.selectors import QaFilters
from thrive.models import Assessment
from victims.models import Text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_small_volume_is_consistent_with_the_services(tmp_path):
    call_command("generate_volume", incidents=400, years=1, seed=7, verbosity=0)

    assert Incident.objects.count() == 400
    assert Incident.objects.values("reference").distinct().count() == 400
    closed = Incident.objects.filter(status="closed")
    assert closed.exists()
    assert not closed.filter(closed_month__isnull=True).exists()
    assert not Incident.objects.filter(status="open", closed_month__isnull=False).exists()
    submitted = Assessment.objects.filter(status="submitted")
    assert not submitted.filter(submitted_month__isnull=True).exists()
    # Only a revision can be a re-THRIVE.
    assert not submitted.filter(version=1, rethrive_on_time__isnull=False).exists()
    assert not Text.objects.filter(created_month__isnull=True).exists()
    assert not Text.objects.values("assessment").annotate(n=Count("id")).filter(n__gt=1).exists()

    last = max(closed.values_list("closed_month", flat=True))
    filters = QaFilters(first=last, last=last)
    (row,) = compliance_monthly(filters)
    assert row.incidents_closed == closed.filter(closed_month=last).count()
