"""The prevention advice library: the advice a text links to, per opening category (rule 3).
Trainers edit it (advice_save: the page and the admin; every change audited, as the other
policy tables' are); the defaults are seeded once (advice_seed_defaults)."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http import HttpRequest

from audit.models import Action
from audit.services import audit_record
from config.text import free_text_errors
from incidents.models import Category, Incident
from victims.models import PreventionAdvice

DEFAULT_ADVICE_MESSAGE = "Thank you for calling the police. Advice to help keep you safe:"

DEFAULT_ADVICE: dict[str, tuple[str, str, str]] = {
    # category code: (title, path under FORCE_ADVICE_BASE_URL, the text's wording)
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


def advice_seed_defaults() -> int:
    """Create the default advice for the common categories that have none. Idempotent:
    a trainer's edits are never overwritten."""
    base = settings.FORCE_ADVICE_BASE_URL.rstrip("/")
    made = 0
    for category in Category.objects.filter(code__in=DEFAULT_ADVICE):
        title, path, message = DEFAULT_ADVICE[category.code]
        _, created = PreventionAdvice.objects.get_or_create(
            category=category, defaults={"title": title, "url": f"{base}/{path}", "message": message}
        )
        made += int(created)
    return made


ADVICE_MESSAGE_MAX = 600


def advice_clean(*, title: str, url: str, message: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The advice's fields tidied, and what is wrong with them by field (empty when nothing).
    The link must be https: it goes to victims. The page and the admin's form both ask it."""
    errors: dict[str, list[str]] = {}
    title, url, message = (title or "").strip(), (url or "").strip(), " ".join((message or "").split())
    if not title:
        errors["title"] = ["Enter a title"]
    elif len(title) > 150:
        errors["title"] = ["Title must be 150 characters or fewer"]
    try:
        URLValidator(schemes=["https"])(url)
        if len(url) > 300:
            raise ValidationError("too long")
    except ValidationError:
        errors["url"] = ["Enter the full https:// address of the advice page, 300 characters or fewer"]
    if not message:
        errors["message"] = ["Enter the wording of the text"]
    elif len(message) > ADVICE_MESSAGE_MAX:
        errors["message"] = [f"The wording must be {ADVICE_MESSAGE_MAX} characters or fewer"]
    checked = free_text_errors(
        title=title, url=url, message=message, labels={"url": "The link", "message": "The wording"}
    )
    for field, messages in checked.items():
        errors.setdefault(field, messages)
    return {"title": title, "url": url, "message": message}, errors


# What the audit line calls each field when it says what a change changed.
_FIELD_WORDS = {"title": "title", "url": "link", "message": "wording", "active": "active", "category": "category"}


def advice_save(
    *,
    advice: PreventionAdvice,
    actor: Any,
    title: str,
    url: str,
    message: str,
    active: bool,
    request: HttpRequest | None = None,
    channel: str = "",
) -> PreventionAdvice:
    """A trainer's new or changed advice for one category (the page, the admin): checked
    (advice_clean), saved and audited in one transaction, the audit line saying which fields
    changed (not the wording itself). Nothing changed: nothing saved, nothing audited."""
    values, errors = advice_clean(title=title, url=url, message=message)
    if errors:
        raise ValidationError(errors)
    created = advice.pk is None
    before = {} if created else PreventionAdvice.objects.filter(pk=advice.pk).values(*_FIELD_WORDS).first() or {}
    after = {**values, "active": active, "category": advice.category_id}
    changed = [word for name, word in _FIELD_WORDS.items() if created or before.get(name) != after[name]]
    if not changed:
        return advice
    advice.title, advice.url, advice.message, advice.active = values["title"], values["url"], values["message"], active
    with transaction.atomic():
        advice.save()
        audit_record(
            actor=actor,
            action=Action.COLLECT if created else Action.ALTER,
            object_type="prevention_advice",
            object_id=advice.pk,
            description=(f"added: {advice.title}" if created else f"changed {', '.join(changed)}: {advice.title}")[
                :300
            ],
            request=request,
            channel=channel,
        )
    return advice


def advice_delete(*, advice: PreventionAdvice, actor: Any, request: HttpRequest | None = None) -> None:
    """Remove a category's advice (the admin), audited: its texts fall back to the force's
    general advice page (advice_for)."""
    with transaction.atomic():
        pk, title = advice.pk, advice.title
        advice.delete()
        audit_record(
            actor=actor,
            action=Action.ERASE,
            object_type="prevention_advice",
            object_id=pk,
            description=f"deleted: {title}"[:300],
            request=request,
            channel="admin",
        )


def advice_for(incident: Incident) -> tuple[str, str]:
    """(message, link) for the incident's category, or the force's general advice page."""
    advice = PreventionAdvice.objects.filter(category_id=incident.category_id, active=True).first()
    if advice is not None:
        return advice.message, advice.url
    return DEFAULT_ADVICE_MESSAGE, f"{settings.FORCE_ADVICE_BASE_URL.rstrip('/')}/crime-prevention"
