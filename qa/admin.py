from django.contrib import admin

from config.admin import ReadOnlyAdmin
from qa.models import Dispute, ExportRecord, LearningTheme, Review, Sample


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
