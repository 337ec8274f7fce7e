from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError, QuerySet
from django.http import HttpRequest

from config.admin import ReadOnlyAdmin
from incidents.gradings import grading_choices, grading_label
from incidents.models import Category, ClosureCode, ClosureExemption, Incident, LogEntry, ResponseGrading
from incidents.services import policy_row_delete, policy_row_save


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "crime", "active"]
    list_filter = ["crime", "active"]
    search_fields = ["name", "code"]


class PolicyAdmin(admin.ModelAdmin):
    """The force's policy tables: each save and delete goes through incidents.services, which
    audits it in the same transaction."""

    actions = None  # a bulk delete would bypass the audited service

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        policy_row_save(row=obj, actor=request.user, request=request)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        try:
            policy_row_delete(row=obj, actor=request.user, request=request)
        except (ValidationError, ProtectedError) as exc:
            text = " ".join(exc.messages) if isinstance(exc, ValidationError) else "It is in use: make it inactive."
            self.message_user(request, text, level=messages.ERROR)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(ClosureCode)
class ClosureCodeAdmin(PolicyAdmin):
    list_display = ["name", "code", "exempt", "active"]
    list_filter = ["exempt", "active"]


@admin.register(ResponseGrading)
class ResponseGradingAdmin(PolicyAdmin):
    """The force's gradings. The code is the API's (API.md) and `Incident.grading` holds it,
    so it is fixed once made; the name is what every page shows."""

    list_display = [
        "name",
        "code",
        "order",
        "target_attendance",
        "rethrive_interval",
        "dispatch_before_assessment",
        "active",
    ]
    list_editable = ["order"]
    list_filter = ["active"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["code"] if obj is not None else []


@admin.register(ClosureExemption)
class ClosureExemptionAdmin(PolicyAdmin):
    """Which exempt closure codes a force allows for which channel and category, and what each
    needs. The most specific active line decides (casework.rules.exemption_line)."""

    list_display = ["closure_code", "channel", "category", "requirement", "framework", "active"]
    list_filter = ["active", "requirement", "closure_code"]


class LogEntryInline(admin.TabularInline):
    model = LogEntry
    fields = ["at", "kind", "author", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class GradingFilter(admin.SimpleListFilter):
    title = "grading"
    parameter_name = "grading"

    def lookups(self, request: HttpRequest, model_admin: Any) -> Any:
        return grading_choices(active_only=False)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(grading=self.value()) if self.value() else queryset


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    """Read-only: status, closure and the log change only through the services (rule 1),
    which the pages and the API call. An admin corrects data there, not here."""

    list_display = ["reference", "opened_at", "category", "grading_name", "status", "handler", "owner", "team"]
    list_filter = ["status", GradingFilter, "team", "category"]
    search_fields = ["reference"]
    inlines = [LogEntryInline]

    @admin.display(description="grading", ordering="grading")
    def grading_name(self, obj: Incident) -> str:
        return grading_label(obj.grading)
