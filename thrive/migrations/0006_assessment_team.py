# The incident's team on each assessment version, for the supervisor's queue.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def backfill(apps, schema_editor):
    """Existing versions take their incident's team: one statement, however many rows (a join
    on PostgreSQL, for a force upgrading with millions of versions)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "UPDATE thrive_assessment AS a SET team_id = i.team_id FROM incidents_incident AS i "
            "WHERE i.id = a.incident_id AND a.team_id IS NULL"
        )
        return
    schema_editor.execute(
        "UPDATE thrive_assessment SET team_id = "
        "(SELECT team_id FROM incidents_incident WHERE incidents_incident.id = thrive_assessment.incident_id) "
        "WHERE team_id IS NULL"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("incidents", "0004_composite_indexes_cover_foreign_keys"),
        ("thrive", "0005_composite_indexes_cover_foreign_keys"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="team",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.team",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="assessment",
            index=models.Index(fields=["team", "status", "-submitted_at"], name="assessment_team_submitted"),
        ),
    ]
