"""Reports near me, and area alerts: what anyone may see of the requests made near a
place (public services only, placed no more precisely than the street), and emails about
new ones. The reads go through ``cases.access``; subscriptions through ``alerts``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onecouncil.alerts.services import (
    RADII,
    alert_by_token,
    alert_confirm,
    alert_subscribe_at,
    alert_unsubscribe,
    feed_reports,
)
from onecouncil.cases.inputs import parse_coordinate
from onecouncil.cases.links import tracking_url
from onecouncil.core.clients import client_ip
from onecouncil.core.models import Council
from onecouncil.frontdoor.forms import AlertForm, NearForm
from onecouncil.frontdoor.http import page, with_council
from onecouncil.frontdoor.reports_near import PublicReport, public_reports_near
from onecouncil.places.lookup import covers, place_name_at, ward_id_at
from onecouncil.residents.models import Ward
from onecouncil.residents.selectors import NamedPlace, places_named
from onecouncil.web.forms import errors_from
from onecouncil.web.maps import allow_map_tiles, case_marker, map_settings, point_features
from onecouncil.web.templatetags.govuk import error_list

ZOOM_FOR = {100: 17, 250: 16, 500: 15, 1000: 14}


@dataclass
class Where:
    """The place a search is about, once found."""

    latitude: float
    longitude: float
    name: str


def _point(council: Council, lat: str, lon: str) -> tuple[float, float]:
    latitude = parse_coordinate(lat, "lat")
    longitude = parse_coordinate(lon, "lon")
    if latitude is None or longitude is None:
        raise ValidationError(_("Enter a postcode or street, or use your location"))
    if covers(council.pk, latitude, longitude) is False:
        raise ValidationError(
            _("That place is outside %(council)s's area") % {"council": council.name}
        )
    return latitude, longitude


def _where(council: Council, form: NearForm) -> tuple[Where | None, list[NamedPlace]]:
    """The place asked about, or the streets to choose between. Errors go on the form."""
    data = form.cleaned_data
    if data["lat"] or data["lon"]:
        try:
            latitude, longitude = _point(council, data["lat"], data["lon"])
        except ValidationError as exc:
            form.add_error("place", exc.messages[0])
            return None, []
        return Where(latitude, longitude, place_name_at(council, latitude, longitude)), []
    text = data["place"].strip()
    if not text:
        form.add_error("place", _("Enter a postcode or street, or use your location"))
        return None, []
    found = places_named(council=council, text=text)
    if not found:
        form.add_error(
            "place",
            _(
                "We could not find %(place)s in %(council)s's area. Enter a postcode, or "
                "part of a street's name"
            )
            % {"place": text, "council": council.name},
        )
        return None, []
    if len(found) == 1:
        return Where(found[0].latitude, found[0].longitude, found[0].name), []
    return None, found


def _features(reports: list[PublicReport]) -> dict[str, Any]:
    """The reports for the map: the rounded point, and words anyone may see."""
    return point_features(
        [
            case_marker(
                r.case,
                r.latitude,
                r.longitude,
                reverse("frontdoor:track_case", args=[r.case.reference]),
            )
            for r in reports
        ]
    )


def _near_page(
    request: HttpRequest,
    council: Council,
    form: NearForm,
    alert_form: AlertForm | None = None,
    status: int = 200,
) -> HttpResponseBase:
    where: Where | None = None
    choices: list[NamedPlace] = []
    if form.is_bound and form.is_valid():
        where, choices = _where(council, form)
    cleaned = getattr(form, "cleaned_data", {})
    distance = cleaned.get("distance") or 500
    days = cleaned.get("days") or 30
    context: dict[str, Any] = {
        "form": form,
        "where": where,
        "choices": choices,
        "distance": distance,
        "days": days,
        "distance_text": str(distance),
        "days_text": str(days),
        "errors": error_list(form, *([alert_form] if alert_form else [])),
        "map": None,
    }
    if where is not None:
        reports = public_reports_near(
            council=council,
            latitude=where.latitude,
            longitude=where.longitude,
            radius=distance,
            days=days,
        )
        ward_id = ward_id_at(council.pk, where.latitude, where.longitude)
        context.update(
            reports=reports,
            features=_features(reports),
            map=map_settings(council, (where.latitude, where.longitude), ZOOM_FOR[distance]),
            ward=Ward.objects.filter(pk=ward_id).first() if ward_id else None,
            alert_form=alert_form
            or AlertForm(
                prefix="alert",
                initial={
                    "lat": f"{where.latitude:.6f}",
                    "lon": f"{where.longitude:.6f}",
                    "distance": distance,
                    "area": "near",
                },
            ),
        )
    response = page(request, "reports_near.html", context, status=status)
    allow_map_tiles(response, context["map"])
    return response


@require_GET
@with_council
def reports_near(request: HttpRequest, council: Council) -> HttpResponseBase:
    form = NearForm(request.GET if request.GET else None)
    return _near_page(request, council, form)


@require_POST
@with_council
def alert_subscribe_view(request: HttpRequest, council: Council) -> HttpResponseBase:
    """Ask for alerts about a place the search found (or its ward)."""
    form = AlertForm(request.POST, prefix="alert")
    near = NearForm(
        {
            "lat": request.POST.get("alert-lat", ""),
            "lon": request.POST.get("alert-lon", ""),
            "distance": request.POST.get("alert-distance", ""),
        }
    )
    if not form.is_valid():
        return _near_page(request, council, near, form, status=400)
    data = form.cleaned_data
    try:
        subscribed = alert_subscribe_at(
            council=council,
            email=data["email"],
            point=_point(council, data["lat"], data["lon"]),
            radius=data["distance"] or 500,
            whole_ward=data["area"] == "ward",
            ip=client_ip(request) or "",
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"email": exc.messages}
        if "place" in errors or "radius" in errors:
            errors = {"area": errors.pop("place", []) + errors.pop("radius", []), **errors}
        errors_from(form, errors)
        return _near_page(request, council, near, form, status=400)
    request.session["alert_asked"] = {
        "email": subscribed.alert.email,
        "confirmed": subscribed.already_confirmed,
    }
    return redirect("frontdoor:alert_asked")


@require_GET
@with_council
def alert_asked(request: HttpRequest, council: Council) -> HttpResponseBase:
    asked = request.session.get("alert_asked")
    if not asked:
        return redirect("frontdoor:reports_near")
    return page(request, "alert_asked.html", {"asked": asked})


def _secret_page(response: HttpResponseBase) -> HttpResponseBase:
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@with_council
def alert_confirm_view(request: HttpRequest, council: Council, token: str) -> HttpResponseBase:
    """The link in the confirmation email: a button, so a mail scanner opening the link
    does not confirm for the resident."""
    alert = alert_by_token(council=council, token=token)
    if alert is None or alert.unsubscribed_at is not None:
        raise Http404()
    if request.method == "POST" and alert.confirmed_at is None:
        alert = alert_confirm(council=council, token=token) or alert
    return _secret_page(page(request, "alert_confirm.html", {"alert": alert}))


@csrf_exempt  # the token is the authority; mail programs POST here with no page (RFC 8058)
@require_http_methods(["GET", "POST"])
@with_council
def alert_stop_view(request: HttpRequest, council: Council, token: str) -> HttpResponseBase:
    alert = alert_by_token(council=council, token=token)
    if alert is None:
        raise Http404()
    if request.method == "POST":
        alert = alert_unsubscribe(council=council, token=token) or alert
    return _secret_page(page(request, "alert_stop.html", {"alert": alert}))


@require_GET
@with_council
def reports_feed(request: HttpRequest, council: Council) -> HttpResponseBase:
    """The public reports an area alert tells of, as an Atom feed anyone may read (as
    FixMyStreet offers): ``?lat=…&lon=…&distance=…`` or ``?ward=<code>``. Only what the
    public tracking page shows: the reference, the service, the street and the status."""
    ward = None
    point = None
    distance = None
    code = request.GET.get("ward", "")[:40]
    if code:
        ward = (
            Ward.objects.filter(council=council, code=code).first() if "\x00" not in code else None
        )
        if ward is None:
            return _feed_refused(_("There is no such ward here"))
        area = _("in %(ward)s ward") % {"ward": ward.name}
    else:
        try:
            point = _point(council, request.GET.get("lat", ""), request.GET.get("lon", ""))
            distance = int(request.GET.get("distance", "500"))
        except (ValidationError, ValueError) as exc:
            messages = getattr(exc, "messages", None) or [_("Give the distance in metres")]
            return _feed_refused(messages[0])
        if distance not in RADII:
            return _feed_refused(_("Give a distance of 100, 250, 500 or 1000 metres"))
        area = _("within %(metres)s metres of %(place)s") % {
            "metres": distance,
            "place": place_name_at(council, point[0], point[1]),
        }
    reports = feed_reports(council=council, point=point, radius=distance, ward=ward)
    feed = Atom1Feed(
        title=_("New reports %(area)s, %(council)s") % {"area": area, "council": council.name},
        link=request.build_absolute_uri(reverse("frontdoor:reports_near")),
        description=_("Reports made to %(council)s in the last 30 days")
        % {"council": council.name},
        language="en-gb",
        feed_url=request.build_absolute_uri(),
    )
    for case in reports:
        url = tracking_url(case)
        feed.add_item(
            title=f"{case.reference}: {case.service.name}"
            + (f", {case.street}" if case.street else ""),
            link=url,
            unique_id=url,
            description=case.get_status_display(),
            pubdate=case.created_at,
            updateddate=case.updated_at,
        )
    response = HttpResponse(content_type="application/atom+xml; charset=utf-8")
    feed.write(response, "utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response


def _feed_refused(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
