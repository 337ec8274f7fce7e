"""The opening codes and closure codes a force starts with; admins change them after."""

from django.db import migrations

CATEGORIES = [
    ("burglary_dwelling", "Burglary (dwelling)"),
    ("burglary_business", "Burglary (business and community)"),
    ("domestic_abuse", "Domestic abuse"),
    ("theft", "Theft"),
    ("vehicle_crime", "Vehicle crime"),
    ("criminal_damage", "Criminal damage"),
    ("assault", "Assault"),
    ("asb", "Anti-social behaviour"),
    ("concern_for_safety", "Concern for safety"),
    ("fraud", "Fraud"),
    ("harassment", "Harassment and stalking"),
    ("hate_crime", "Hate crime"),
    ("missing_person", "Missing person"),
    ("road_traffic_collision", "Road traffic collision"),
    ("suspicious_circumstances", "Suspicious circumstances"),
]

CLOSURE_CODES = [
    ("crime_recorded", "Crime recorded", False),
    ("attended_resolved", "Attended and resolved", False),
    ("advice_given", "Advice given", False),
    ("referred_partner", "Referred to a partner agency", False),
    ("no_further_action", "No further police action", False),
    ("duplicate", "Duplicate of another incident", True),
    ("test_call", "Test call", True),
    ("transferred", "Transferred to another force", True),
    ("abandoned_no_trace", "Abandoned call, no trace", True),
]


def create(apps, schema_editor):
    Category = apps.get_model("incidents", "Category")
    ClosureCode = apps.get_model("incidents", "ClosureCode")
    for code, name in CATEGORIES:
        Category.objects.get_or_create(code=code, defaults={"name": name})
    for code, name, exempt in CLOSURE_CODES:
        ClosureCode.objects.get_or_create(code=code, defaults={"name": name, "exempt": exempt})


def remove(apps, schema_editor):
    apps.get_model("incidents", "Category").objects.filter(code__in=[c for c, _ in CATEGORIES]).delete()
    apps.get_model("incidents", "ClosureCode").objects.filter(code__in=[c for c, _, _ in CLOSURE_CODES]).delete()


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
