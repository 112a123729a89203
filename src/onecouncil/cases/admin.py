from __future__ import annotations

from django.contrib import admin

from onecouncil.cases.models import ClosureReason, ResponseTemplate, RoutingRule
from onecouncil.core.admin import CouncilScopedAdmin


@admin.register(RoutingRule)
class RoutingRuleAdmin(CouncilScopedAdmin):
    list_display = ("service", "ward", "team", "council")
    list_filter = ("council",)


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(CouncilScopedAdmin):
    list_display = ("name", "service", "council")
    search_fields = ("name", "body")


@admin.register(ClosureReason)
class ClosureReasonAdmin(CouncilScopedAdmin):
    list_display = ("label", "code", "open311_status", "is_active", "order", "council")
    list_editable = ("is_active", "order")
