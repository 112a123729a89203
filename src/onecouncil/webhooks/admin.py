from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onecouncil.core.admin import CouncilScopedAdmin
from onecouncil.core.selectors import councils_administered_by
from onecouncil.webhooks.models import Delivery, Subscription
from onecouncil.webhooks.services import delivery_replay


@admin.register(Subscription)
class SubscriptionAdmin(CouncilScopedAdmin):
    list_display = ("name", "url", "event_types", "is_active", "council")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "subscription",
        "event_type",
        "status",
        "attempts",
        "response_status",
        "created_at",
        "delivered_at",
    )
    list_filter = ("status", "event_type")
    readonly_fields = [f.name for f in Delivery._meta.fields]
    actions = ["replay"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Delivery]:
        return (
            super()
            .get_queryset(request)
            .filter(subscription__council_id__in=councils_administered_by(request.user))
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_staff and councils_administered_by(request.user))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Replay the selected deliveries"))
    def replay(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        for delivery in queryset:
            delivery_replay(delivery)
        messages.success(request, _("%(n)s deliveries queued again.") % {"n": queryset.count()})
