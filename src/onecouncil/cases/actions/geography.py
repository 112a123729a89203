"""A council's geography and its requests: loading boundaries re-wards open requests.

The one entry point for a boundary import from the command line, the admin and the demo,
so that a new set of wards always reaches the open requests they change.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from onecouncil.cases.events import event_append
from onecouncil.cases.models import Case, EventKind
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council
from onecouncil.places.imports import BoundaryImport, boundaries_import, streets_import
from onecouncil.places.lookup import ward_id_at
from onecouncil.residents.models import Ward


@dataclass
class GeographyLoaded:
    boundaries: BoundaryImport | None
    streets: int | None
    rewarded: list[str]


@transaction.atomic
def council_geography_load(
    *,
    council: Council,
    wards: bytes | str | None = None,
    boundary: bytes | str | None = None,
    streets: bytes | str | None = None,
    attribution: str | None = None,
) -> GeographyLoaded:
    """Import what is given (all or nothing, ``PlacesImportError`` naming the features),
    then move each open request whose point now falls in another ward, with an event.
    Closed requests keep the ward they were dealt with in. ``attribution`` is what the
    data's licence asks maps to show (``Council.geography_attribution``)."""
    loaded = boundaries_import(council=council, wards=wards, boundary=boundary) if wards else None
    count = streets_import(council=council, streets=streets) if streets else None
    if attribution is not None:
        council.geography_attribution = attribution.strip()[:300]
        council.save(update_fields=["geography_attribution"])
    rewarded: list[str] = []
    if loaded is not None:
        names = dict(Ward.objects.filter(council=council).values_list("pk", "name"))
        for case in (
            Case.objects.open()
            .filter(council=council, latitude__isnull=False, longitude__isnull=False)
            .only("pk", "reference", "ward_id", "latitude", "longitude", "council_id")
        ):
            assert case.latitude is not None and case.longitude is not None
            ward_id = ward_id_at(council.pk, case.latitude, case.longitude)
            if ward_id is None or ward_id == case.ward_id:
                continue
            Case.objects.filter(pk=case.pk).update(ward_id=ward_id)
            event_append(
                case=case,
                kind=EventKind.NOTE,
                is_public=False,
                actor=Actor.system(_("Boundaries")),
                message=_("Now in %(ward)s ward: the ward boundaries changed.")
                % {"ward": names.get(ward_id, "")},
                data={"ward_id": ward_id},
            )
            rewarded.append(case.reference)
    return GeographyLoaded(boundaries=loaded, streets=count, rewarded=rewarded)
