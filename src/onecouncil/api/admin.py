from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onecouncil.api.models import ApiKey
from onecouncil.core.admin import CouncilScopedAdmin


@admin.register(ApiKey)
class ApiKeyAdmin(CouncilScopedAdmin):
    list_display = ("name", "kind", "role", "prefix", "council", "last_used_at", "revoked_at")
    list_filter = ("kind",)
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are issued with `onecouncil open311_key`, which shows them once

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, _("%(n)s keys revoked.") % {"n": count})
