"""Rule 9: which prompt set is in force. The force's model (family) and its published
versions; every read of "the current wording" comes through here."""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from config.errors import Blocked
from thrive.models import ForceModelSetting, PromptSet, PromptSetStatus


def force_family_expression() -> Coalesce:
    """The chosen family as an SQL expression, so that "the current prompt set" stays one
    query: the admin's row when there is one, the setting otherwise."""
    return Coalesce(
        Subquery(ForceModelSetting.objects.order_by("pk").values("family")[:1]), Value(settings.PROMPT_SET_FAMILY)
    )


def current_family() -> str:
    chosen = ForceModelSetting.objects.order_by("pk").values_list("family", flat=True).first()
    return chosen or settings.PROMPT_SET_FAMILY


def force_model_choose(*, family: str) -> ForceModelSetting:
    """An administrator chooses the model; refused unless a version of it is published, so
    that new assessments always have wording to use."""
    if not PromptSet.objects.filter(family=family, status=PromptSetStatus.PUBLISHED).exists():
        raise ValidationError({"family": [f"No published version of {family!r}: a trainer must publish one first."]})
    row = ForceModelSetting.objects.order_by("pk").first() or ForceModelSetting()
    row.family = family
    row.save()
    return row


def prompt_set_current(family: str | None = None) -> PromptSet:
    """The wording new assessments use: the newest published version of the force's model
    (the admin's choice is read in the same query)."""
    chosen = family or force_family_expression()
    current = PromptSet.objects.filter(family=chosen, status=PromptSetStatus.PUBLISHED).order_by("-version").first()
    if current is None:
        family = family or current_family()
        raise Blocked("no_prompt_set", f"No published prompt set for {family!r}: a trainer must publish one.")
    return current


def current_published(family: str) -> PromptSet | None:
    return PromptSet.objects.filter(family=family, status=PromptSetStatus.PUBLISHED).order_by("-version").first()


def previous_published(prompt_set: PromptSet) -> PromptSet | None:
    return (
        PromptSet.objects.filter(
            family=prompt_set.family, status=PromptSetStatus.PUBLISHED, version__lt=prompt_set.version
        )
        .order_by("-version")
        .first()
    )


def published_versions(family: str) -> QuerySet[PromptSet]:
    return PromptSet.objects.filter(family=family, status=PromptSetStatus.PUBLISHED).order_by("-version")


def family_versions() -> list[dict[str, Any]]:
    """Every family with its newest version number, for the editor's overview."""
    return list(PromptSet.objects.values("family").annotate(top=Max("version")).order_by("family"))
