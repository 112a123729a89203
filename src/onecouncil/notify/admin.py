import json
from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onecouncil.core.admin import CouncilScopedAdmin
from onecouncil.core.audit import personal_data_read
from onecouncil.notify.models import GovukNotifySettings, Notification
from onecouncil.notify.services import redacted


@admin.register(Notification)
class NotificationAdmin(CouncilScopedAdmin):
    list_display = ("kind", "recipient", "subject_reference", "status", "attempts", "created_at")
    list_filter = ("status", "kind", "channel")
    search_fields = ("subject_reference", "recipient")
    shown: tuple[str, ...] = (
        *(f.name for f in Notification._meta.fields if f.name != "context"),
        "context_shown",
    )
    fields = shown
    readonly_fields = shown

    # The outbox names residents (recipients, and names in the message details): every
    # list and message an administrator opens is recorded as a read of personal data.
    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        for notification in getattr(changelist, "result_list", []):
            personal_data_read(
                council_id=notification.council_id, what=f"message {notification.pk}"
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        response = super().change_view(request, object_id, form_url, extra_context)
        notification = getattr(response, "context_data", {}).get("original")
        if notification is not None:
            personal_data_read(
                council_id=notification.council_id, what=f"message {notification.pk}"
            )
        return response

    @admin.display(description=_("message details"))
    def context_shown(self, obj: Notification) -> str:
        """Links that let someone in (sign-in, private page, invitation) are never shown:
        an administrator must not be able to open a resident's link and become them."""
        return json.dumps(redacted(obj.context), indent=2, ensure_ascii=False)


class NotifySettingsForm(forms.ModelForm):
    class Meta:
        model = GovukNotifySettings
        fields = ["council", "enabled", "api_key", "base_url", "template_ids"]
        widgets = {"api_key": forms.PasswordInput(render_value=True)}


@admin.register(GovukNotifySettings)
class GovukNotifySettingsAdmin(CouncilScopedAdmin):
    form = NotifySettingsForm
    list_display = ("council", "enabled")
