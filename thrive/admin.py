from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from thrive.models import Assessment, PromptSet


@admin.register(PromptSet)
class PromptSetAdmin(admin.ModelAdmin):
    """Read-only: trainers draft and publish wording through its own pages and the API, so
    a published version can never be edited here."""

    list_display = ["name", "family", "version", "status", "published_at"]
    list_filter = ["family", "status"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["incident", "version", "status", "author", "submitted_at"]
    list_filter = ["status"]
    search_fields = ["incident__reference"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
