"""The gradings and closure-exemption policy a force starts with (issue 15); its administrator
changes them after, in the admin.

Gradings keep today's behaviour: the API's four codes with their labels, and each re-THRIVE
interval as the settings give it now (RETHRIVE_MINUTES_*, 3 h 30 min unless set), so no due
time already stored, and none computed later, changes. Only Immediate may be dispatched
before the assessment.

Every exempt closure code keeps its place for any channel and category with a reason, as
today, except: an abandoned 999 call closed "abandoned, no trace" needs a recorded risk
decision (call-back attempts, the outcome); a missing-person or firearms incident may close
under its own framework, naming the framework's record. Exempt closures already made are
linked to the line that allowed them (the any-channel, any-category line of their code).
"""

from datetime import timedelta

from django.conf import settings
from django.db import migrations

GRADINGS = [
    # code, name, order, target attendance (minutes), dispatch before the assessment
    ("immediate", "Immediate", 1, 15, True),
    ("priority", "Priority", 2, 60, False),
    ("scheduled", "Scheduled", 3, None, False),
    ("resolution_without_deployment", "Resolution without deployment", 4, None, False),
]
FRAMEWORKS = [
    # category code, its name when the force has no such category yet, the framework's record
    ("missing_person", "Missing person", "Missing person record"),
    ("firearms", "Firearms", "Firearms command log"),
]
OWN_FRAMEWORK = ("own_framework", "Handled under its own framework")


def seed(apps, schema_editor):
    ResponseGrading = apps.get_model("incidents", "ResponseGrading")
    Category = apps.get_model("incidents", "Category")
    ClosureCode = apps.get_model("incidents", "ClosureCode")
    ClosureExemption = apps.get_model("incidents", "ClosureExemption")
    Incident = apps.get_model("incidents", "Incident")
    minutes = getattr(settings, "RETHRIVE_MINUTES_BY_GRADING", {})
    default = getattr(settings, "RETHRIVE_DEFAULT_MINUTES", 210)
    for code, name, order, target, dispatch in GRADINGS:
        ResponseGrading.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "order": order,
                "target_attendance": timedelta(minutes=target) if target else None,
                "rethrive_interval": timedelta(minutes=minutes.get(code, default)),
                "dispatch_before_assessment": dispatch,
            },
        )
    own, _ = ClosureCode.objects.get_or_create(
        code=OWN_FRAMEWORK[0], defaults={"name": OWN_FRAMEWORK[1], "exempt": True}
    )
    for code in ClosureCode.objects.filter(exempt=True).exclude(pk=own.pk):
        ClosureExemption.objects.get_or_create(
            closure_code=code, channel="", category=None, defaults={"requirement": "reason"}
        )
    abandoned = ClosureCode.objects.filter(code="abandoned_no_trace", exempt=True).first()
    if abandoned is not None:
        ClosureExemption.objects.get_or_create(
            closure_code=abandoned, channel="999", category=None, defaults={"requirement": "risk_decision"}
        )
    for category_code, category_name, record in FRAMEWORKS:
        category, _ = Category.objects.get_or_create(code=category_code, defaults={"name": category_name})
        ClosureExemption.objects.get_or_create(
            closure_code=own,
            channel="",
            category=category,
            defaults={"requirement": "framework_record", "framework": record},
        )
    # The exempt closures already made: allowed by their code's general line (today's rule).
    for line in ClosureExemption.objects.filter(channel="", category=None):
        Incident.objects.filter(
            closure_code_id=line.closure_code_id, exemption_line__isnull=True, status="closed"
        ).update(exemption_line=line)


def unseed(apps, schema_editor):
    apps.get_model("incidents", "Incident").objects.update(exemption_line=None)
    apps.get_model("incidents", "ClosureExemption").objects.all().delete()
    apps.get_model("incidents", "ResponseGrading").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0011_gradings_and_closure_exemptions")]
    operations = [migrations.RunPython(seed, unseed)]
