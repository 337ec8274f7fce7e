"""Each review's three grades refer to the grade scale's table by code: the columns and
their values stay exactly as they were (so no figure changes); the foreign key makes the
table the one place that says what a grade means. Reversible: back to plain text columns."""

import django.db.models.deletion
from django.db import migrations, models


def _grade(column):
    return models.ForeignKey(
        db_column=column,
        db_index=False,
        on_delete=django.db.models.deletion.PROTECT,
        related_name="+",
        to="qa.gradelevel",
        to_field="code",
    )


class Migration(migrations.Migration):
    dependencies = [("qa", "0003_grade_scale")]

    operations = [
        migrations.AlterField(model_name="review", name=name, field=_grade(name))
        for name in ("vulnerability", "prevention", "preservation")
    ]
