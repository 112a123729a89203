from django.contrib import admin

from onecouncil.core.admin import CouncilScopedAdmin
from onecouncil.notify.models import Notification


@admin.register(Notification)
class NotificationAdmin(CouncilScopedAdmin):
    list_display = ("kind", "recipient", "subject_reference", "status", "attempts", "created_at")
    list_filter = ("status", "kind", "channel")
    search_fields = ("subject_reference", "recipient")
    readonly_fields = [f.name for f in Notification._meta.fields]
