from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from config.admin import ReadOnlyAdmin
from thrive.models import Assessment, AssessmentReturn, Briefing, ForceModelSetting, PromptSet, PromptSetStatus
from thrive.wording import force_model_choose


class ForceModelSettingForm(forms.ModelForm):
    """The families with a published version, to choose from."""

    family = forms.ChoiceField()

    class Meta:
        model = ForceModelSetting
        fields = ["family"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        families = (
            PromptSet.objects.filter(status=PromptSetStatus.PUBLISHED).values_list("family", flat=True).distinct()
        )
        self.fields["family"].choices = [(f, f) for f in sorted(set(families))]


@admin.register(PromptSet)
class PromptSetAdmin(ReadOnlyAdmin):
    """Read-only: trainers draft and publish wording through its own pages and the API, so
    a published version can never be edited here."""

    list_display = ["name", "family", "version", "status", "published_at"]
    list_filter = ["family", "status"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    """The answers are not shown here: a version is read on its page or through the API, by
    thrive.selectors.get_assessment_for_user, which keeps drafts private and records reads."""

    list_display = ["incident", "version", "status", "author", "submitted_at"]
    exclude = ["answers"]
    list_filter = ["status"]
    search_fields = ["incident__reference"]


@admin.register(ForceModelSetting)
class ForceModelSettingAdmin(admin.ModelAdmin):
    """The administrator's choice of model (prompt set family): one row, changed through
    thrive.wording.force_model_choose so that a family with no published version is refused."""

    list_display = ["family", "changed_at"]
    form = ForceModelSettingForm

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not ForceModelSetting.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ForceModelSetting, form: Any, change: bool) -> None:
        chosen = force_model_choose(family=obj.family)
        obj.pk = chosen.pk


@admin.register(AssessmentReturn)
class AssessmentReturnAdmin(ReadOnlyAdmin):
    """Read-only: returns are made and cleared by supervisors and revisions (thrive.returns)."""

    list_display = ["assessment", "returned_to", "returned_by", "reason", "returned_at", "resolved_at"]
    list_filter = ["reason"]


@admin.register(Briefing)
class BriefingAdmin(ReadOnlyAdmin):
    """Read-only: a briefing is recorded only through thrive.wording.briefings.briefing_record
    (the trainer's pages), which writes its audit row."""

    list_display = ["held_on", "topic", "prompt_set", "recorded_by", "created_at"]
    list_filter = ["prompt_set"]
    search_fields = ["topic"]
    readonly_fields = ["held_on", "topic", "prompt_set", "attendees", "recorded_by", "created_at"]
