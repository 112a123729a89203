"""Digital help places in the admin, each administrator seeing only their councils'."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from onecouncil.core.admin import CouncilScopedAdmin
from onecouncil.places.help import help_place_locate
from onecouncil.places.models import DigitalHelpPlace


@admin.register(DigitalHelpPlace)
class DigitalHelpPlaceAdmin(CouncilScopedAdmin):
    list_display = ("name", "kind", "postcode", "is_active", "council")
    list_filter = ("council", "kind", "is_active")
    search_fields = ("name", "postcode")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        help_place_locate(obj)
        super().save_model(request, obj, form, change)
