from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Searchable, never editable: not even an administrator can change the record."""

    list_display = ["at", "actor_username", "action", "object_type", "object_id", "incident_reference", "channel"]
    list_filter = ["action", "object_type", "channel"]
    search_fields = ["actor_username", "incident_reference", "object_id"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
