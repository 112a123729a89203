"""Report once: open requests near the place, offered to follow instead of reporting again."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onecouncil.cases.access import (
    nearby_open_requests,
)
from onecouncil.cases.actions import (
    case_follow,
)
from onecouncil.catalogue.models import Service
from onecouncil.core.clients import client_ip
from onecouncil.core.geo import approximate
from onecouncil.core.models import Council
from onecouncil.core.references import (
    parse_id,
)
from onecouncil.frontdoor.drafts import Draft
from onecouncil.frontdoor.http import journey_context, journey_step, next_step, page, step_url
from onecouncil.frontdoor.sessions import current_account
from onecouncil.residents.selectors import address_by_uprn
from onecouncil.web.maps import (
    MapPoint,
    map_settings,
    point_features,
)


def draft_point(council: Council, draft: Draft) -> tuple[float, float] | None:
    """Where the draft's place is: its coordinates, or its address's."""
    stored = draft.get("location")
    try:
        if stored.get("latitude") not in (None, "") and stored.get("longitude") not in (None, ""):
            return float(stored["latitude"]), float(stored["longitude"])
    except (TypeError, ValueError):
        return None
    uprn = parse_id(str(stored.get("uprn") or ""))
    address = address_by_uprn(council=council, uprn=uprn) if uprn else None
    if address is not None and address.latitude is not None and address.longitude is not None:
        return address.latitude, address.longitude
    return None


def nearby_requests(service: Service, draft: Draft) -> list[Any]:
    point = draft_point(service.council, draft)
    if point is None:
        return []
    return nearby_open_requests(service=service, latitude=point[0], longitude=point[1])


def _nearby_map(council: Council, draft: Draft, nearby: list[Any]) -> dict[str, Any]:
    """Report once on a map: the resident's place and the requests near it, each at its
    street (as every public map shows them) and linking to its public page."""
    point = draft_point(council, draft)
    the_map = map_settings(council, point, 17) if point else None
    if the_map is None or point is None:
        return {"map": None}
    markers = [MapPoint(point[0], point[1], _("The place you gave"), here=True)]
    for item in nearby:
        lat, lon = approximate(item.case.latitude), approximate(item.case.longitude)
        if lat is not None and lon is not None:
            markers.append(
                MapPoint(
                    lat,
                    lon,
                    f"{item.case.reference}: {item.case.service.name}",
                    reverse("frontdoor:track_case", args=[item.case.reference]),
                )
            )
    return {"map": the_map, "features": point_features(markers)}


@require_http_methods(["GET", "POST"])
@journey_step("location")
def report_nearby(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    """Report once: before the resident gives their details, the open requests of the same
    problem nearby, to follow instead of filing again; or "mine is different"."""
    if not draft.is_done("location"):
        return redirect(step_url(service, "location"))
    nearby = nearby_requests(service, draft)
    if (request.method == "POST" and request.POST.get("action") == "different") or not nearby:
        return next_step(request, service, "location")
    account = current_account(request)
    error = email_error = ""
    if request.method == "POST" and request.POST.get("action") == "follow":
        chosen = next(
            (n.case for n in nearby if n.case.reference == request.POST.get("reference")), None
        )
        email = account.email if account else request.POST.get("email", "")
        if chosen is None:
            error = _("Choose the request that is the same as yours")
        else:
            try:
                followed = case_follow(
                    case=chosen, account=account, email=email, ip=client_ip(request)
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict") and "email" in exc.error_dict:
                    email_error = exc.message_dict["email"][0]
                else:
                    error = exc.messages[0]
            else:
                draft.discard()
                return page(
                    request,
                    "nearby_followed.html",
                    {"case": chosen, "needs_confirming": followed.needs_confirming},
                )
    return page(
        request,
        "nearby.html",
        {
            **journey_context(service, "location", request),
            "back_url": step_url(service, "location"),
            "nearby": nearby,
            **_nearby_map(council, draft, nearby),
            "error": error,
            "email_error": email_error,
            "errors": [{"href": "#nearby", "text": error}] * bool(error)
            + [{"href": "#follow-email", "text": email_error}] * bool(email_error),
            "chosen": request.POST.get("reference", ""),
            "email": request.POST.get("email", ""),
        },
        status=400 if error or email_error else 200,
    )
