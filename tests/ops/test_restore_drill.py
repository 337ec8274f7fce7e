"""Backups that are proven (issue 17): the restore drill dumps the test database with
pg_dump, restores it into a fresh database, migrates it, and finds the same incident count,
QA table and audit log (every row, unchanged)."""

import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from audit.models import AuditEvent
from ops.backups import figures
from qa.models import Check, Grade
from tests.factories import UserFactory, make_incident
from tests.qa.factories import grades
from tests.qa.test_monthly import graded_month
from victims.services import victim_link

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _world():
    handler = UserFactory(handler=True)
    supervisor = UserFactory(supervisor=True, team=handler.team)
    incidents = [make_incident(handler=handler, assessed=True) for _ in range(3)]
    victim_link(incident=incidents[0], actor=handler, name="Dana Drill", phone="07700 900456")
    G, RI = Grade.GOOD, Grade.REQUIRES_IMPROVEMENT
    graded_month(supervisor, handler, date(2022, 6, 1), [grades(G, G, RI, Check.YES), grades(RI, G, G, Check.NO)])
    assert AuditEvent.objects.exists()
    return incidents


def test_the_restore_drill_restores_the_same_incidents_qa_table_and_audit_log(tmp_path):
    _world()
    before = figures()
    out = StringIO()
    call_command("restore_drill", "--dump", str(tmp_path / "drill.dump"), stdout=out)
    text = out.getvalue()
    assert "Restore drill passed" in text
    assert before["qa_table"][0][:2] == ["2022-06-01", 2]
    assert f"Incidents: {before['incidents']} before, {before['incidents']} after." in text
    assert f"Audit log: {before['audit_rows']} rows" in text
    assert (tmp_path / "drill.dump").stat().st_size > 0


def test_the_figures_notice_a_changed_audit_row(tmp_path):
    """The comparison would catch a restore that lost or altered the audit log."""
    _world()
    before = figures()
    assert json.loads(json.dumps(before)) == before
    handler = UserFactory(handler=True)
    make_incident(handler=handler, assessed=True)
    after = figures()
    assert after["audit_rows"] > before["audit_rows"]
    assert after["audit_sha256"] != before["audit_sha256"]
    assert after["incidents"] == before["incidents"] + 1
