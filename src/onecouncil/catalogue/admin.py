from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from onecouncil.catalogue.models import Question, Service, ServiceGroup
from onecouncil.core.admin import CouncilScopedAdmin


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0
    fields = (
        ("code", "kind", "required", "order"),
        "label",
        "hint",
        "options",
        ("max_length", "min_value", "max_value", "allow_future_dates"),
    )


@admin.register(ServiceGroup)
class ServiceGroupAdmin(CouncilScopedAdmin):
    list_display = ("name", "council", "order")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Service)
class ServiceAdmin(CouncilScopedAdmin):
    list_display = ("name", "code", "group", "pattern", "phase", "team", "is_active", "council")
    list_filter = ("council", "pattern", "phase", "is_active", "group")
    search_fields = ("name", "code", "keywords")
    prepopulated_fields = {"code": ("name",)}
    inlines = [QuestionInline]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name in ("group", "team") and field is not None:
            queryset: QuerySet[Any] = field.queryset
            field.queryset = queryset.filter(council_id__in=self.council_ids(request))
        return field
