"""The Open311 GeoReport v2 server, with the update extension FixMyStreet uses.

Specification: GeoReport v2 (open311.org), summarised in docs/open311.md. Every council
of the deployment is a jurisdiction (``jurisdiction_id`` = its slug). Requests are created through
``case_create``, exactly as on the web, with the channel recorded as the client's name.

One module per part (``discovery``, ``requests``, ``updates``), sharing ``common``. The
URLconf names views through this package.
"""

from onecouncil.api.open311.views.discovery import (
    discovery,
    service_definition_view,
    services,
    unknown,
)
from onecouncil.api.open311.views.requests import (
    request_view,
    requests_view,
    token_view,
)
from onecouncil.api.open311.views.updates import (
    sent_photo,
    updates_view,
)

__all__ = [
    "discovery",
    "request_view",
    "requests_view",
    "sent_photo",
    "service_definition_view",
    "services",
    "token_view",
    "unknown",
    "updates_view",
]
