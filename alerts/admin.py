from django.contrib import admin

from alerts.models import Alert, AlertRecipient, Watch
from config.admin import ReadOnlyAdmin


class AlertRecipientInline(admin.TabularInline):
    model = AlertRecipient
    fields = ["supervisor", "sent_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    """Read-only: alerts are raised, acknowledged and decided only through alerts.services
    (the pages and the API call them), which log and audit each step."""

    list_display = ["incident", "reason", "team", "raised_at", "escalated_at", "acknowledged_by", "decision"]
    list_filter = ["reason", "team", "decision"]
    search_fields = ["incident__reference"]
    date_hierarchy = "raised_at"
    inlines = [AlertRecipientInline]


@admin.register(Watch)
class WatchAdmin(ReadOnlyAdmin):
    list_display = ["supervisor", "started_at", "ended_at"]
    search_fields = ["supervisor__username", "supervisor__full_name"]
