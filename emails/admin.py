from django.contrib import admin

from config.admin import ReadOnlyAdmin
from emails.models import Email


@admin.register(Email)
class EmailAdmin(ReadOnlyAdmin):
    """The outbox, read-only: whether each email was sent, is waiting, or failed and why."""

    list_display = ["to", "subject", "kind", "status", "attempts", "created_at", "sent_at", "last_error"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject", "topic"]
    date_hierarchy = "created_at"
