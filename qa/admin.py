from django.contrib import admin

from qa.models import Dispute, ExportRecord, LearningTheme, Review, Sample


@admin.register(LearningTheme)
class LearningThemeAdmin(admin.ModelAdmin):
    """Admins keep the learning-theme tags that supervisors pick when grading."""

    list_display = ["name", "active"]
    list_filter = ["active"]
    search_fields = ["name"]


@admin.register(Sample)
class SampleAdmin(admin.ModelAdmin):
    # Read-only: samples are drawn and withdrawn through qa.services (rule 10).
    list_display = ["month", "team", "per_handler", "seed", "created_by", "created_at", "withdrawn_at"]
    list_filter = ["team"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["item", "version", "current", "month", "handler", "reviewer", "created_at"]
    list_filter = ["current", "month"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ["review", "raised_by", "raised_at", "outcome", "resolved_by"]
    list_filter = ["outcome"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(ExportRecord)
class ExportRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "format", "filters"]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
