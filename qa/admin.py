from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from config.admin import ReadOnlyAdmin
from qa.models import Dispute, ExemptionCheck, ExportRecord, GradeLevel, LearningTheme, Review, Sample
from qa.scale import grade_level_save


@admin.register(GradeLevel)
class GradeLevelAdmin(admin.ModelAdmin):
    """The QA grade scale (issue 15). Saved through qa.scale.grade_level_save, which audits
    the change; the code is fixed once made and a level is never deleted (reviews hold it):
    switch it off with "active" instead."""

    list_display = ["label", "code", "order", "counts_as_good", "not_applicable", "active"]
    list_editable: list[str] = []
    ordering = ["order", "code"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        grade_level_save(level=obj, actor=request.user, request=request, channel="admin")


@admin.register(ExemptionCheck)
class ExemptionCheckAdmin(ReadOnlyAdmin):
    list_display = ["sample", "incident", "handler", "justified", "reviewer", "reviewed_at"]
    list_filter = ["justified", "month"]


@admin.register(LearningTheme)
class LearningThemeAdmin(admin.ModelAdmin):
    """Admins keep the learning-theme tags that supervisors pick when grading."""

    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]


# Samples, grades, disputes and export records are evidence: shown, never added, changed or
# deleted here (no delete action either). Samples are drawn and withdrawn through qa.services
# (rule 10); a grade is corrected by a new version; the models and, on PostgreSQL, triggers
# refuse deletion too (qa migration 0002).


@admin.register(Sample)
class SampleAdmin(ReadOnlyAdmin):
    list_display = ["month", "team", "per_handler", "seed", "created_by", "created_at", "withdrawn_at"]
    list_filter = ["team"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ["item", "version", "current", "month", "handler", "reviewer", "created_at"]
    list_filter = ["current", "month"]


@admin.register(Dispute)
class DisputeAdmin(ReadOnlyAdmin):
    list_display = ["review", "raised_by", "raised_at", "outcome", "resolved_by"]
    list_filter = ["outcome"]


@admin.register(ExportRecord)
class ExportRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "format", "filters"]
