"""The QA grade scale becomes a table an administrator keeps (issue 15), seeded with the
HMICFRS five-point scale and not applicable. Every code API.md names keeps its meaning:
outstanding and good count as good-or-outstanding (the Wiltshire percentages), not
applicable is left out of them, the rest count against; `adequate` is new. Any other code
already stored on a review (there should be none) is kept as a level of its own that counts
against, so the next migration's foreign key can hold every existing row unchanged."""

from django.db import migrations, models

SCALE = [
    # (code, label, order, counts as good, not applicable)
    ("outstanding", "Outstanding", 10, True, False),
    ("good", "Good", 20, True, False),
    ("adequate", "Adequate", 30, False, False),
    ("requires_improvement", "Requires improvement", 40, False, False),
    ("inadequate", "Inadequate", 50, False, False),
    ("not_applicable", "Not applicable", 60, False, True),
]


def create(apps, schema_editor):
    GradeLevel = apps.get_model("qa", "GradeLevel")
    Review = apps.get_model("qa", "Review")
    for code, label, order, good, not_applicable in SCALE:
        GradeLevel.objects.get_or_create(
            code=code,
            defaults={"label": label, "order": order, "counts_as_good": good, "not_applicable": not_applicable},
        )
    stored = set()
    for field in ("vulnerability", "prevention", "preservation"):
        stored |= set(Review.objects.values_list(field, flat=True).distinct())
    for code in sorted(stored - {row[0] for row in SCALE}):
        GradeLevel.objects.create(code=code, label=code.replace("_", " ").capitalize(), order=100, active=False)


class Migration(migrations.Migration):
    dependencies = [("qa", "0002_evidence_kept")]

    operations = [
        migrations.CreateModel(
            name="GradeLevel",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(max_length=30, unique=True)),
                ("label", models.CharField(max_length=60)),
                ("order", models.PositiveSmallIntegerField(default=0)),
                (
                    "counts_as_good",
                    models.BooleanField(
                        default=False, help_text="Counts as good or outstanding in the monthly QA percentages."
                    ),
                ),
                (
                    "not_applicable",
                    models.BooleanField(
                        default=False, help_text="Not applicable: left out of the monthly QA percentages altogether."
                    ),
                ),
                (
                    "active",
                    models.BooleanField(default=True, help_text="Offered when grading (old grades keep counting)."),
                ),
            ],
            options={
                "ordering": ["order", "code"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("counts_as_good", True), ("not_applicable", True), _negated=True),
                        name="qa_gradelevel_good_or_not_applicable",
                    )
                ],
            },
        ),
        migrations.RunPython(create, migrations.RunPython.noop),
    ]
