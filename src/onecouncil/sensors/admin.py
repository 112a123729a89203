"""Devices, rules and refusals in the admin, each administrator seeing only their
councils'. A device's secret is issued by ``onecouncil device_credentials``."""

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from onecouncil.core.admin import CouncilScopedAdmin
from onecouncil.sensors.models import Device, Rejection, Rule


@admin.register(Device)
class DeviceAdmin(CouncilScopedAdmin):
    list_display = (
        "identifier",
        "kind",
        "asset",
        "last_seen_at",
        "battery_level",
        "is_active",
        "council",
    )
    list_filter = ("council", "kind", "is_active")
    search_fields = ("identifier",)
    raw_id_fields = ("asset",)
    readonly_fields = ("last_seen_at", "last_values", "battery_level")


@admin.register(Rule)
class RuleAdmin(CouncilScopedAdmin):
    list_display = (
        "name",
        "kind",
        "condition",
        "property",
        "threshold",
        "hold_minutes",
        "is_active",
        "council",
    )
    list_filter = ("council", "kind", "condition", "is_active")


@admin.register(Rejection)
class RejectionAdmin(CouncilScopedAdmin):
    list_display = ("identifier", "reason", "count", "last_at", "last_detail", "council")
    list_filter = ("council", "reason")
    search_fields = ("identifier",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # counted by the ingest, never typed in

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
