from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.assets.imports import assets_import
from onecouncil.core.models import Council
from onecouncil.places.imports import PlacesImportError


class Command(BaseCommand):
    help = (
        "Import a council's assets from GeoJSON (WGS84 or EPSG:27700) or CSV (latitude and "
        "longitude, or easting and northing): all or nothing, updating by identifier and "
        "retiring the assets of the file's types it no longer lists (docs/assets.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--council", required=True, help="The council's slug.")
        parser.add_argument("file", type=Path, help="A .geojson, .json, .gpkg or .csv file.")

    def handle(self, *args: Any, **options: Any) -> None:
        council = Council.objects.filter(slug=options["council"]).first()
        if council is None:
            raise CommandError(f"There is no council {options['council']!r}.")
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None
        try:
            result = assets_import(council=council, data=data, filename=path.name)
        except PlacesImportError as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(exc.errors)) from None
        self.stdout.write(
            f"{result.created} assets added, {result.updated} updated, {result.retired} "
            f"retired ({', '.join(result.types)})."
        )
