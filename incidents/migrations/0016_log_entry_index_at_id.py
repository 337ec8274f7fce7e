# Issue 18: the incident's timeline is read a slice at a time, newest first, by (at, id).
# The new index is built before the old one (its prefix) is dropped, so the timeline is never
# without one.

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0015_incident_dispatched_before_assessment"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="logentry",
            index=models.Index(fields=["incident", "at", "id"], name="logentry_incident_at_id"),
        ),
        migrations.RemoveIndex(
            model_name="logentry",
            name="logentry_incident_at",
        ),
    ]
