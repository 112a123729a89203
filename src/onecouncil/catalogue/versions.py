"""The catalogue's version: it goes up whenever a council's catalogue changes, so pages
and entries cached from it (the service lists, each service's page, the service a
submission needs) are keyed by it and a change by any process shows at once everywhere.

Every writer of the catalogue calls ``catalogue_changed`` explicitly, in its own
transaction (no Django signals; ADR 0007): the staff admin (``CatalogueAdmin``), the
import (``catalogue_import``) and the demo. A change made straight through the ORM
elsewhere is not seen until the next of those."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone

from onecouncil.core.models import Council


def catalogue_changed(*, council_id: int) -> None:
    Council.objects.filter(pk=council_id).update(
        catalogue_version=F("catalogue_version") + 1, catalogue_changed_at=timezone.now()
    )
