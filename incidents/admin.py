from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from config.admin import ReadOnlyAdmin
from incidents.models import Category, ClosureCode, Incident, LogEntry


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "crime", "active"]
    list_filter = ["crime", "active"]
    search_fields = ["name", "code"]


@admin.register(ClosureCode)
class ClosureCodeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "exempt", "active"]
    list_filter = ["exempt", "active"]


class LogEntryInline(admin.TabularInline):
    model = LogEntry
    fields = ["at", "kind", "author", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    """Read-only: status, closure and the log change only through the services (rule 1),
    which the pages and the API call. An admin corrects data there, not here."""

    list_display = ["reference", "opened_at", "category", "grading", "status", "handler", "owner", "team"]
    list_filter = ["status", "grading", "team", "category"]
    search_fields = ["reference"]
    inlines = [LogEntryInline]
