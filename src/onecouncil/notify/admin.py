from django import forms
from django.contrib import admin

from onecouncil.core.admin import CouncilScopedAdmin
from onecouncil.notify.models import GovukNotifySettings, Notification


@admin.register(Notification)
class NotificationAdmin(CouncilScopedAdmin):
    list_display = ("kind", "recipient", "subject_reference", "status", "attempts", "created_at")
    list_filter = ("status", "kind", "channel")
    search_fields = ("subject_reference", "recipient")
    readonly_fields = [f.name for f in Notification._meta.fields]


class NotifySettingsForm(forms.ModelForm):
    class Meta:
        model = GovukNotifySettings
        fields = ["council", "enabled", "api_key", "base_url", "template_ids"]
        widgets = {"api_key": forms.PasswordInput(render_value=True)}


@admin.register(GovukNotifySettings)
class GovukNotifySettingsAdmin(CouncilScopedAdmin):
    form = NotifySettingsForm
    list_display = ("council", "enabled")
