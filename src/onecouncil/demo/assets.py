"""The demo councils' things: street lights, gullies, litter bins, grit bins and trees
along the demo's streets, loaded through the one import a council uses."""

from __future__ import annotations

import json
import random
from typing import Any

from onecouncil.assets.imports import AssetImport, assets_import
from onecouncil.assets.models import AssetType
from onecouncil.core.geo import metres_between
from onecouncil.core.models import Council, Team
from onecouncil.residents.models import Address

TYPES: list[dict[str, Any]] = [
    {
        "code": "street-light",
        "name": "Street light",
        "team": "highways",
        "attributes": [
            {"code": "column_height", "label": "Column height (m)", "kind": "number"},
            {"code": "lamp", "label": "Lamp", "kind": "choice", "choices": ["LED", "SON", "SOX"]},
        ],
    },
    {"code": "gully", "name": "Gully", "team": "highways", "attributes": []},
    {
        "code": "litter-bin",
        "name": "Litter bin",
        "team": "street-cleansing",
        "attributes": [{"code": "capacity_litres", "label": "Capacity (litres)", "kind": "number"}],
    },
    {"code": "grit-bin", "name": "Grit bin", "team": "highways", "attributes": []},
    {
        "code": "road-sign",
        "name": "Road sign",
        "team": "highways",
        "attributes": [{"code": "lit", "label": "Lit", "kind": "choice", "choices": ["yes", "no"]}],
    },
    {
        "code": "tree",
        "name": "Street tree",
        "team": "",
        "attributes": [{"code": "species", "label": "Species", "kind": "text"}],
    },
]
SHORT = {
    "street-light": "SL",
    "gully": "GY",
    "litter-bin": "LB",
    "grit-bin": "GB",
    "tree": "TR",
    "road-sign": "RS",
}
SPECIES = ["London plane", "Silver birch", "Rowan", "Field maple", "Cherry", "Lime"]


def _attributes(kind: str, rng: random.Random) -> dict[str, Any]:
    if kind == "street-light":
        lamp = rng.choices(["LED", "SON", "SOX"], weights=[7, 2, 1])[0]
        return {"column_height": rng.choice([5, 6, 8, 10]), "lamp": lamp}
    if kind == "tree":
        return {"species": rng.choice(SPECIES)}
    if kind == "road-sign":
        return {"lit": rng.choice(["yes", "no"])}
    if kind == "litter-bin":
        return {"capacity_litres": rng.choice([80, 110, 240])}
    return {}


def demo_assets(council: Council, rng: random.Random) -> AssetImport:
    """A few thousand assets along the council's streets, as a town has them: a street
    light every 25 metres on alternate sides, a gully every 12 metres on each side, a
    tree every 20, a road sign every 50, a litter bin every 100 and a grit bin at the
    top of every fourth street."""
    teams = {t.slug: t for t in Team.objects.filter(council=council)}
    for spec in TYPES:
        AssetType.objects.update_or_create(
            council=council,
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "attributes": spec["attributes"],
                "team": teams.get(spec["team"]),
            },
        )
    by_street: dict[str, list[tuple[float, float]]] = {}
    located = Address.objects.filter(council=council, latitude__isnull=False).order_by("uprn")
    for address in located:
        assert address.latitude is not None and address.longitude is not None
        by_street.setdefault(address.street, []).append((address.latitude, address.longitude))
    features: list[dict[str, Any]] = []
    counts = dict.fromkeys(SHORT, 0)

    def add(kind: str, lat: float, lon: float, **attributes: Any) -> None:
        counts[kind] += 1
        identifier = f"{council.reference_prefix}-{SHORT[kind]}-{counts[kind]:05d}"
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]},
                "properties": {"identifier": identifier, "type": kind, **attributes},
            }
        )

    every = {
        "street-light": 25.0,
        "gully": 6.0,  # sides taken in turn: one every 12 metres on each
        "tree": 20.0,
        "litter-bin": 100.0,
        "road-sign": 50.0,
    }
    for index, (_street, houses) in enumerate(sorted(by_street.items())):
        (lat0, lon0), (lat1, lon1) = houses[0], houses[-1]
        length = max(metres_between(lat0, lon0, lat1, lon1), 1.0)
        # Across the street: a few metres either side of its line.
        across = (-(lon1 - lon0), lat1 - lat0)
        scale = 6.0 / max(metres_between(0, 0, across[0], across[1]), 1e-9)
        for kind, step in every.items():
            for n in range(int(length // step) + 1):
                along = (n * step + rng.uniform(0, step / 3)) / length
                if along > 1:
                    break
                side = 1 if n % 2 == 0 else -1
                lat = lat0 + (lat1 - lat0) * along + side * across[0] * scale
                lon = lon0 + (lon1 - lon0) * along + side * across[1] * scale
                add(kind, lat, lon, **_attributes(kind, rng))
        if index % 4 == 0:
            add("grit-bin", lat0 - 0.0001, lon0 - 0.0001)
    return assets_import(
        council=council, data=json.dumps({"type": "FeatureCollection", "features": features})
    )
