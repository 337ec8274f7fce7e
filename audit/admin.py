from django.contrib import admin

from audit.models import AuditEvent
from config.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Searchable, never editable: not even an administrator can change the record."""

    list_display = ["at", "actor_username", "action", "object_type", "object_id", "incident_reference", "channel"]
    list_filter = ["action", "object_type", "channel"]
    search_fields = ["actor_username", "incident_reference", "object_id"]
    date_hierarchy = "at"
