from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from onecouncil.cases.actions.geography import council_geography_load
from onecouncil.core.models import Council
from onecouncil.places.imports import OS_NOTICE, PlacesImportError


class Command(BaseCommand):
    help = (
        "Import a council's ward boundaries (GeoJSON with WD..CD/WD..NM properties, WGS84 or "
        "EPSG:27700), optionally its own boundary and its street lines. All or nothing; open "
        "requests move to the ward their point is now in (docs/places.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--council", required=True, help="The council's slug.")
        parser.add_argument("--wards", type=Path, help="Ward boundaries (GeoJSON).")
        parser.add_argument("--boundary", type=Path, help="The council's own boundary.")
        parser.add_argument(
            "--streets", type=Path, help="Street lines (GeoJSON, or GeoPackage: .gpkg)."
        )
        parser.add_argument(
            "--attribution",
            default=OS_NOTICE,
            help=f"What maps must show for this data (default: {OS_NOTICE!r}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        council = Council.objects.filter(slug=options["council"]).first()
        if council is None:
            raise CommandError(f"There is no council {options['council']!r}.")
        if not (options["wards"] or options["streets"]):
            raise CommandError("Give --wards, --streets or both.")
        if options["boundary"] and not options["wards"]:
            raise CommandError("--boundary goes with --wards.")

        def read(name: str) -> bytes | None:
            path = options[name]
            if path is None:
                return None
            try:
                return bytes(path.read_bytes())
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc}") from None

        try:
            loaded = council_geography_load(
                council=council,
                wards=read("wards"),
                boundary=read("boundary"),
                streets=read("streets"),
                attribution=options["attribution"],
            )
        except PlacesImportError as exc:
            raise CommandError("Nothing was imported:\n" + "\n".join(exc.errors)) from None
        if loaded.boundaries is not None:
            b = loaded.boundaries
            self.stdout.write(
                f"{len(b.created)} wards created, {len(b.updated)} updated; boundary "
                f"{'from the wards' if b.boundary_from_wards else 'as given'}; "
                f"{len(loaded.rewarded)} open requests moved to another ward."
            )
        if loaded.streets is not None:
            self.stdout.write(f"{loaded.streets} streets loaded.")
