"""Webhook subscriptions and their delivery log in the Django admin. Every write goes through
webhooks.services (which audits it): making a subscription (its secret shown once), deleting
one, and "retry now" on a delivery."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.roles import role_can
from config.admin import ReadOnlyAdmin
from webhooks import rules
from webhooks.models import Delivery, Subscription
from webhooks.services import webhook_delivery_retry_now, webhook_subscription_create, webhook_subscription_delete


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https", label="Address (https)")
    events = forms.MultipleChoiceField(
        choices=[(code, rules.EVENT_LABELS[code]) for code in rules.EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        label="Events to send",
    )

    class Meta:
        model = Subscription
        # The address is declared above (https assumed); listing it here too would build the
        # model's own form field, whose scheme default Django is changing.
        fields = ["events", "description"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if problem := rules.url_problem(url):
            raise forms.ValidationError(problem)
        return url


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    fields = ["url", "events", "description"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["__str__", "url", "event_list", "created_at"]

    @admin.display(description="Events")
    def event_list(self, obj: Subscription) -> str:
        return "; ".join(rules.EVENT_LABELS.get(e, e) for e in obj.events)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Subscription, form: Any, change: bool) -> None:
        made = webhook_subscription_create(
            actor=request.user,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            description=form.cleaned_data.get("description", ""),
            request=request,
            channel="admin",
        )
        obj.pk, obj.secret, obj.created_at = made.pk, made.secret, made.created_at
        self.message_user(
            request,
            f"The signing secret for {made.url}, shown this once (copy it to the receiver now): {made.secret}",
            level=messages.WARNING,
        )

    def delete_model(self, request: HttpRequest, obj: Subscription) -> None:
        webhook_subscription_delete(actor=request.user, subscription=obj, request=request, channel="admin")

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        # A subscription's delivery log goes with it (docs/DECISIONS.md): nobody deletes
        # deliveries by hand, so their own delete permission is not asked for here.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return deleted, counts, perms_needed - {str(Delivery._meta.verbose_name)}, protected

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        for subscription in queryset:
            self.delete_model(request, subscription)


class EventTypeFilter(admin.SimpleListFilter):
    """The event types by their labels (the codes are for machines)."""

    title = "event"
    parameter_name = "type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(code, rules.EVENT_LABELS[code]) for code in rules.EVENT_TYPES]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> QuerySet[Delivery]:
        return queryset.filter(event__type=self.value()) if self.value() else queryset


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The delivery log: what went where, whether it arrived, and why not."""

    list_display = [
        "event_type",
        "reference",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", EventTypeFilter, "subscription"]
    readonly_fields = ["webhook_id"]
    search_fields = ["reference", "event__webhook_id"]
    list_select_related = ["event", "subscription"]
    actions = ["retry_now"]

    @admin.display(description="Event", ordering="event__type")
    def event_type(self, obj: Delivery) -> str:
        return rules.EVENT_LABELS.get(obj.event.type, obj.event.type)

    @admin.display(description="webhook-id")
    def webhook_id(self, obj: Delivery) -> str:
        return obj.event.webhook_id

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return role_can(request.user, "manage_webhooks")

    @admin.action(description="Retry the selected deliveries now", permissions=["retry"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        retried = sum(
            webhook_delivery_retry_now(actor=request.user, delivery=d, request=request, channel="admin")
            for d in queryset
        )
        skipped = queryset.count() - retried
        note = f" {skipped} were delivered already or being tried, so were left alone." if skipped else ""
        self.message_user(request, f"{retried} deliveries will be tried again now.{note}")
