"""On PostgreSQL, refuse what the models refuse, even to SQL (review issue 13): an export
record is never changed or deleted, and a QA review (a grade) or a dispute is never
deleted (a grade is corrected by a new version; its `current` flag and the handler's
acknowledgement are the only updates, so UPDATE stays allowed on those two). TRUNCATE is
left alone, as for the audit log (audit migration 0002): the test runner empties tables
with it, and in production only the tables' owner may run it. SQLite (the demo) keeps the
models' refusal."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION qa_evidence_kept() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is kept for ever: % refused', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER qa_exportrecord_no_update_delete
    BEFORE UPDATE OR DELETE ON qa_exportrecord
    FOR EACH ROW EXECUTE FUNCTION qa_evidence_kept();
CREATE TRIGGER qa_review_no_delete
    BEFORE DELETE ON qa_review
    FOR EACH ROW EXECUTE FUNCTION qa_evidence_kept();
CREATE TRIGGER qa_dispute_no_delete
    BEFORE DELETE ON qa_dispute
    FOR EACH ROW EXECUTE FUNCTION qa_evidence_kept();
"""

DROP = """
DROP TRIGGER IF EXISTS qa_exportrecord_no_update_delete ON qa_exportrecord;
DROP TRIGGER IF EXISTS qa_review_no_delete ON qa_review;
DROP TRIGGER IF EXISTS qa_dispute_no_delete ON qa_dispute;
DROP FUNCTION IF EXISTS qa_evidence_kept();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("qa", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
