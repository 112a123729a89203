"""Requests sent on, in the administrators' site."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from onecouncil.core.admin import CouncilScopedAdmin
from onecouncil.sendon.models import Sending


@admin.register(Sending)
class SendingAdmin(CouncilScopedAdmin):
    """Requests sent on to other systems, for administrators: those that could not be
    sent (filter by status), those a system holds twice, and where each went. Staff send
    again or take back from the request's own page."""

    list_display = (
        "case",
        "backend",
        "status",
        "external_id",
        "duplicated",
        "attempts",
        "last_error",
        "sent_at",
        "erasure_told_at",
    )
    list_filter = ("status", "backend", "council")
    search_fields = ("case__reference", "external_id")
    list_select_related = ("case", "backend")
    readonly_fields = [f.name for f in Sending._meta.fields]

    @admin.display(boolean=True, description=gettext_lazy("held twice"))
    def duplicated(self, obj: Sending) -> bool:
        return obj.is_duplicated

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
