from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse

from accounts.roles import role_can
from config.admin import ReadOnlyAdmin
from victims.advice import advice_clean, advice_delete, advice_save
from victims.models import PreventionAdvice, Text, Victim
from victims.selectors import get_victim_for_user
from victims.services import victim_erase


class PreventionAdviceForm(forms.ModelForm):
    """The page's checks (victims.advice.advice_clean), shown on the admin's form by field."""

    url = forms.URLField(max_length=300, assume_scheme="https", label="Link")

    class Meta:
        model = PreventionAdvice
        fields = ["category", "title", "url", "message", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        values, errors = advice_clean(
            title=data.get("title") or "", url=data.get("url") or "", message=data.get("message") or ""
        )
        for field, problems in errors.items():
            if field not in self.errors:
                self.add_error(field, problems)
        data.update(values)
        return data


@admin.register(PreventionAdvice)
class PreventionAdviceAdmin(admin.ModelAdmin):
    """Trainers own the wording (PRODUCT.md); the same capability that edits prompts. Each
    save and delete goes through victims.advice, which audits it (as the policy tables are)."""

    form = PreventionAdviceForm
    list_display = ["category", "title", "url", "active", "updated_at"]
    list_filter = ["active"]
    search_fields = ["title", "category__name"]
    actions = None  # a bulk delete would bypass the audited service

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        advice_save(
            advice=obj,
            actor=request.user,
            title=obj.title,
            url=obj.url,
            message=obj.message,
            active=obj.active,
            request=request,
            channel="admin",
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        advice_delete(advice=obj, actor=request.user, request=request)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

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
class TextAdmin(ReadOnlyAdmin):
    """Read-only: a text's status moves only through victims.services. The number it went
    to is the victim's, and is not shown here (an administrator has no need of it; the
    victim's record is read through victims.selectors, which records the read)."""

    list_display = ["id", "incident", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["incident__reference"]
    exclude = ["phone"]
    readonly_fields = [f.name for f in Text._meta.fields if f.name != "phone"]


class EraseForm(ActionForm):
    reason = forms.CharField(
        required=False,
        max_length=300,
        label="Reason for erasure",
        help_text="The request or decision behind it (not the victim's details): it goes in the audit log.",
    )


@admin.register(Victim)
class VictimAdmin(admin.ModelAdmin):
    """Found by incident reference; the list shows no personal details (it would disclose a
    page of victims at once). Opening one reads it through victims.selectors.get_victim_for_user,
    which records the read. Never deleted: erasure (the action) is the way to remove details."""

    list_display = ["__str__", "incident", "outcome", "created_at", "erased_at"]
    search_fields = ["incident__reference"]
    readonly_fields = [f.name for f in Victim._meta.fields]
    action_form = EraseForm
    actions = ["erase_personal_details"]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        if request.method == "GET":
            get_victim_for_user(request.user, object_id, request=request, channel="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="Erase the selected victims' personal details")
    def erase_personal_details(self, request: HttpRequest, queryset: Any) -> None:
        reason = request.POST.get("reason", "")
        try:
            for victim in queryset.select_related("incident"):
                victim_erase(victim=victim, actor=request.user, reason=reason)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level=messages.ERROR)
            return
        self.message_user(request, f"Erased the personal details of {queryset.count()} victim(s).")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
