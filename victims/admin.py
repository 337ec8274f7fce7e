from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.roles import role_can
from victims.models import PreventionAdvice, Text, Victim


@admin.register(PreventionAdvice)
class PreventionAdviceAdmin(admin.ModelAdmin):
    """Trainers own the wording (PRODUCT.md); the same capability that edits prompts."""

    list_display = ["category", "title", "url", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["title", "category__name"]

    def _may(self, request: HttpRequest) -> bool:
        return role_can(request.user, "edit_prompts")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request)


@admin.register(Text)
class TextAdmin(admin.ModelAdmin):
    """Read-only: a text's status moves only through victims.services."""

    list_display = ["id", "incident", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["incident__reference"]
    readonly_fields = [f.name for f in Text._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Victim)
class VictimAdmin(admin.ModelAdmin):
    list_display = ["name", "incident", "outcome", "created_at"]
    search_fields = ["incident__reference"]
    readonly_fields = [f.name for f in Victim._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
