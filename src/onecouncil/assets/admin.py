"""The asset register in the admin: each administrator sees and edits only their
councils' asset types and assets (imports and exports are commands:
``import_assets`` and ``export_assets``)."""

from django.contrib import admin

from onecouncil.assets.models import Asset, AssetType
from onecouncil.core.admin import CouncilScopedAdmin


@admin.register(AssetType)
class AssetTypeAdmin(CouncilScopedAdmin):
    list_display = ("name", "code", "geometry", "team", "council")
    list_filter = ("council", "geometry")
    search_fields = ("name", "code")


@admin.register(Asset)
class AssetAdmin(CouncilScopedAdmin):
    list_display = ("identifier", "asset_type", "place_name", "ward", "status", "council")
    list_filter = ("council", "asset_type", "status")
    search_fields = ("identifier", "place_name")
    raw_id_fields = ("ward", "team")
    list_select_related = ("asset_type", "ward", "council")
