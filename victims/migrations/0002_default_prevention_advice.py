"""The default advice library for the common categories, under FORCE_ADVICE_BASE_URL.

Trainers change it afterwards in the admin; this never overwrites their edits."""

from django.conf import settings
from django.db import migrations

DEFAULT_ADVICE = {
    "burglary_dwelling": (
        "Burglary: securing your home",
        "burglary",
        "Thank you for calling the police. Advice on securing your home after a burglary:",
    ),
    "domestic_abuse": (
        "Domestic abuse: support and safety",
        "domestic-abuse",
        "Support and safety advice is available 24 hours a day:",
    ),
    "theft": ("Theft: protecting your belongings", "theft", "Advice on protecting your belongings from theft:"),
    "asb": (
        "Anti-social behaviour",
        "anti-social-behaviour",
        "Advice on reporting and dealing with anti-social behaviour:",
    ),
    "concern_for_safety": ("Staying safe", "staying-safe", "Advice and support to help keep you and others safe:"),
    "criminal_damage": ("Criminal damage", "criminal-damage", "Advice after criminal damage to your property:"),
    "assault": ("Victim support after an assault", "assault", "Support for victims of assault, and what happens next:"),
    "fraud": ("Fraud and scams", "fraud", "Advice on fraud and scams, and how to protect your money:"),
    "vehicle_crime": ("Vehicle crime", "vehicle-crime", "Advice on keeping your vehicle and its parts safe:"),
    "harassment": ("Harassment and stalking", "harassment", "Advice and support if you are being harassed:"),
}


def seed(apps, schema_editor):
    # A frozen copy of victims.services.DEFAULT_ADVICE: migrations must not import app code.
    Category = apps.get_model("incidents", "Category")
    PreventionAdvice = apps.get_model("victims", "PreventionAdvice")
    base = settings.FORCE_ADVICE_BASE_URL.rstrip("/")
    for category in Category.objects.filter(code__in=DEFAULT_ADVICE):
        title, path, message = DEFAULT_ADVICE[category.code]
        PreventionAdvice.objects.get_or_create(
            category=category, defaults={"title": title, "url": f"{base}/{path}", "message": message}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("victims", "0001_initial"),
        ("incidents", "0002_categories_and_closure_codes"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
