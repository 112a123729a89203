"""The report journey's questions and place steps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onecouncil.assets.models import AssetType
from onecouncil.assets.selectors import NearAsset, asset_type_for_service, assets_near
from onecouncil.cases.actions import (
    photo_add_placed,
)
from onecouncil.cases.inputs import (
    parse_place,
)
from onecouncil.catalogue.answers import (
    AnswersForm,
    has_photo_step,
)
from onecouncil.catalogue.models import Service
from onecouncil.core.links import council_base_url
from onecouncil.core.models import Council
from onecouncil.frontdoor.drafts import Draft
from onecouncil.frontdoor.forms import (
    PhotoPlaceForm,
    PlaceForm,
    PostcodeForm,
)
from onecouncil.frontdoor.http import journey_context, journey_step, next_step, page, step_url
from onecouncil.frontdoor.views.elsewhere import handed_place, offer_elsewhere, outside_message
from onecouncil.frontdoor.views.nearby import draft_point, nearby_requests
from onecouncil.residents.selectors import addresses_for_postcode, place_of
from onecouncil.web.forms import errors_from
from onecouncil.web.maps import (
    allow_map_tiles,
    allow_origins,
    map_settings,
)
from onecouncil.web.templatetags.govuk import error_list


@require_http_methods(["GET", "POST"])
@journey_step("questions")
def report_questions(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    if request.method == "POST":
        form = AnswersForm(request.POST, service=service)
        if form.is_valid():
            draft.put("answers", form.stored_answers(), step="questions")
            return next_step(request, service, "questions")
    else:
        form = AnswersForm(initial=draft.get("answers"), service=service)
    return page(
        request,
        "questions.html",
        {
            **journey_context(service, "questions", request),
            "form": form,
            "errors": error_list(form),
        },
    )


@require_http_methods(["GET", "POST"])
@journey_step("location")
def report_location(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    stored = draft.get("location") or handed_place(request, council)
    elsewhere: list[Council] = []
    postcode_form = PostcodeForm(initial={"postcode": stored.get("postcode", "")})
    place_form = PlaceForm(
        initial={**stored, "uprn": stored.get("uprn") or stored.get("uprn_suggested", "")}
    )
    photo_form = PhotoPlaceForm()
    photo_placed = False
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "photo":
        photo_form = PhotoPlaceForm(request.POST, request.FILES)
        taken_at = _photo_place(council, draft, photo_form)
        if taken_at is not None:
            photo_placed = True
            place_form = PlaceForm(
                initial={"latitude": f"{taken_at[0]:.6f}", "longitude": f"{taken_at[1]:.6f}"}
            )
    elif request.method == "POST" and action == "find":
        postcode_form = PostcodeForm(request.POST)
        if _postcode_found(council, draft, stored, postcode_form):
            url = step_url(service, "location")
            return redirect(
                url + ("?change=1" if request.POST.get("change") else "") + "#address-list"
            )
    elif request.method == "POST":
        place_form = PlaceForm(request.POST)
        if place_form.is_valid():
            data = place_form.cleaned_data
            try:
                location = parse_place(council=council, service=service, **data)
            except ValidationError as exc:
                domain_errors, elsewhere = _place_errors(council, draft, data, exc)
                if "asset" in domain_errors:
                    domain_errors["asset_number"] = domain_errors.pop("asset")
                errors_from(place_form, domain_errors)
            else:
                address = location.address
                asset = location.asset
                draft.put(
                    "location",
                    {
                        "postcode": stored.get("postcode", "") if address or asset else "",
                        "uprn": str(address.uprn) if address else "",
                        "street": location.street,
                        "description": location.description,
                        "latitude": f"{asset.latitude:.6f}" if asset else data["latitude"],
                        "longitude": f"{asset.longitude:.6f}" if asset else data["longitude"],
                        "asset": asset.identifier if asset else "",
                    },
                    step="location",
                )
                changing = request.GET.get("change") or request.POST.get("change")
                if not changing and nearby_requests(service, draft):
                    return redirect("frontdoor:report_nearby", code=service.code)
                return next_step(request, service, "location")
    postcode = stored.get("postcode", "")
    addresses = addresses_for_postcode(council=council, postcode=postcode) if postcode else []
    chosen = place_form["uprn"].value() or stored.get("uprn", "")
    # Where the map opens and the nearest assets are found: the place given, or else the
    # middle of the postcode looked up.
    point = draft_point(council, draft) or _postcode_point(council, postcode)
    the_map = map_settings(council, point)
    which = which_one(service, point)
    response = page(
        request,
        "location.html",
        {
            **journey_context(service, "location", request),
            "map": the_map,
            "photo_form": photo_form if has_photo_step(service) else None,
            "photo_placed": photo_placed,
            "elsewhere": elsewhere,
            "postcode_form": postcode_form,
            "place_form": place_form,
            "addresses": addresses,
            "chosen_uprn": str(chosen),
            "postcode": postcode,
            "which": which,
            "chosen_asset": place_form["asset_choice"].value() or stored.get("asset", ""),
            "errors": error_list(postcode_form, place_form, photo_form),
            **_open_sections(place_form),
        },
    )
    allow_map_tiles(response, the_map)
    if elsewhere:
        # The offer's form goes to our own page, which sends the resident on to the
        # other council's address: a redirect the form-action policy must allow.
        allow_origins(response, "form-action", [council_base_url(c) for c in elsewhere])
    return response


@dataclass(frozen=True)
class WhichOne:
    """What the place step asks of a service that wants the asset: its type, and the
    nearest of that type to the place given so far (the list the resident picks from
    without a map)."""

    asset_type: AssetType
    nearest: list[NearAsset]


def which_one(service: Service, point: tuple[float, float] | None) -> WhichOne | None:
    asset_type = asset_type_for_service(service)
    if asset_type is None:
        return None
    nearest = (
        assets_near(
            council=asset_type.council,
            asset_type=asset_type,
            latitude=point[0],
            longitude=point[1],
        )
        if point
        else []
    )
    return WhichOne(asset_type, nearest)


def _postcode_point(council: Council, postcode: str) -> tuple[float, float] | None:
    found = place_of(council=council, text=postcode) if postcode else None
    return (found.latitude, found.longitude) if found else None


def _postcode_found(
    council: Council, draft: Draft, stored: dict[str, Any], form: PostcodeForm
) -> bool:
    """The postcode step of the place: its addresses listed next, or an error on the form."""
    if not form.is_valid():
        return False
    postcode = form.cleaned_data["postcode"]
    if addresses_for_postcode(council=council, postcode=postcode):
        draft.put("location", {**stored, "postcode": postcode}, step="location-postcode")
        return True
    form.add_error(
        "postcode",
        _(
            "We could not find any addresses in %(postcode)s in %(council)s's area. Check "
            "the postcode, or describe the place below"
        )
        % {"postcode": postcode, "council": council.name},
    )
    return False


def _open_sections(place_form: PlaceForm) -> dict[str, bool]:
    """Which of the place step's folded sections to show open: those in use or in error."""

    def used(*names: str) -> bool:
        return any(place_form[n].value() or place_form.errors.get(n) for n in names)

    return {
        "open_place": used("street", "description"),
        "open_coordinates": used("latitude", "longitude"),
    }


def _photo_place(
    council: Council, draft: Draft, form: PhotoPlaceForm
) -> tuple[float, float] | None:
    """A photo chosen on the place step: kept with the draft like any other (without its
    metadata), and its location, if the camera recorded one, offered as the pin."""
    if not form.is_valid():
        return None
    try:
        _photo, taken_at = photo_add_placed(
            council=council, draft_key=draft.key, upload=form.cleaned_data["photo"]
        )
    except ValidationError as exc:
        form.add_error("photo", exc)
        return None
    if taken_at is None:
        form.add_error(
            "photo",
            _(
                "Your photo does not say where it was taken. We have kept it with your "
                "report: put the pin on the map, or give a postcode or street"
            ),
        )
    return taken_at


def _place_errors(
    council: Council, draft: Draft, data: dict[str, Any], exc: ValidationError
) -> tuple[dict[str, list[str]], list[Council]]:
    """The place's errors by field, and the councils that look after a place outside this
    one. A pin (or a position typed) outside the area is the position's error, not the
    street box's, and says which council looks after it, or that none here does."""
    errors = exc.message_dict
    if "location" not in errors:
        return errors, []
    if data.get("latitude") in (None, ""):
        errors["street"] = errors.pop("location")
        return errors, []
    errors.pop("location")
    elsewhere = offer_elsewhere(council, draft, data)
    errors["latitude"] = [outside_message(council, elsewhere)]
    return errors, elsewhere
