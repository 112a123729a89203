"""Source systems in the admin, each administrator seeing only their councils'. Imports
are made by ``onecouncil import_source`` (docs/linkage.md)."""

from django.contrib import admin

from onecouncil.core.admin import CouncilScopedAdmin
from onecouncil.linkage.models import SourceSystem


@admin.register(SourceSystem)
class SourceSystemAdmin(CouncilScopedAdmin):
    list_display = ("name", "owner", "lawful_basis", "restricted", "is_active", "council")
    list_filter = ("council", "lawful_basis", "restricted", "is_active")
