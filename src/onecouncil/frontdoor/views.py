"""Resident web journeys: find a service, report, and follow a request.

Views are thin: they parse the form, call a selector or service function, and render.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onecouncil.cases.access import (
    CaseNotFound,
    access_case_for_account,
    access_photo_for_account,
    access_photo_public,
    case_by_submission_key,
    case_for_public,
    case_for_reporter,
    case_submitted_here,
    is_following,
    nearby_open_requests,
    photo_for_draft,
    photo_for_reporter,
    photos_for_draft,
    public_events_of,
    public_photos,
)
from onecouncil.cases.actions import (
    case_confirm_contact,
    case_create,
    case_follow,
    case_private_link_claim,
    case_private_link_resend,
    case_reopen_by_resident,
    may_reopen,
    photo_add,
    photo_add_placed,
    photo_remove,
    photos_hand_over,
)
from onecouncil.cases.inputs import (
    Contact,
    Location,
    NewRequest,
    Preferences,
    Submitter,
    parse_place,
    validate_contact,
)
from onecouncil.cases.links import private_url as private_link
from onecouncil.cases.links import tracking_url as tracking_link
from onecouncil.cases.models import Case, Channel, Photo
from onecouncil.catalogue.answers import (
    AnswersForm,
    code_of,
    has_photo_step,
    journey_steps,
    validate_answers,
)
from onecouncil.catalogue.models import QuestionKind, Service
from onecouncil.catalogue.selectors import (
    groups_with_services,
    processing_records,
    service_for_resident,
    service_search,
)
from onecouncil.core.clients import client_ip
from onecouncil.core.geo import approximate
from onecouncil.core.links import council_base_url, public_url
from onecouncil.core.models import Council
from onecouncil.core.references import (
    ParsedReference,
    ReferenceError,
    parse_id,
    parse_reference,
)
from onecouncil.core.selectors import active_councils
from onecouncil.core.throttles import within_limit
from onecouncil.frontdoor.drafts import Draft, draft_exists, remember_submission, submitted_token
from onecouncil.frontdoor.forms import (
    ContactForm,
    NewLinkForm,
    PhotoForm,
    PhotoPlaceForm,
    PlaceForm,
    PostcodeForm,
    TrackForm,
)
from onecouncil.frontdoor.handoff import handoff_offers, handoff_start, handoff_take
from onecouncil.frontdoor.sessions import current_account
from onecouncil.insight.journeys import journey_count
from onecouncil.insight.models import JourneyEvent
from onecouncil.insight.services import today_for
from onecouncil.residents.accounts import account_update_profile, draft_discard, draft_save
from onecouncil.residents.models import Account
from onecouncil.residents.selectors import address_by_uprn, addresses_for_postcode
from onecouncil.web.forms import answer_rows, errors_from
from onecouncil.web.maps import (
    MapPoint,
    allow_map_tiles,
    allow_origins,
    case_marker,
    map_settings,
    point_features,
)
from onecouncil.web.templatetags.govuk import error_list

View = Callable[..., HttpResponseBase]


def council_of(request: HttpRequest) -> Council:
    council: Council | None = getattr(request, "council", None)
    if council is None:
        raise Http404(_("No council here"))
    return council


def with_council(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        return view(request, council_of(request), *args, **kwargs)

    return wrapper


def page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponseBase:
    errors = context.get("errors") or []
    context.setdefault("form_has_errors", bool(errors))
    return render(request, f"frontdoor/{template}", context, status=status)


# --- Finding a service -------------------------------------------------------------


@require_GET
def index(request: HttpRequest) -> HttpResponseBase:
    """The deployment's root: the council's home page, or a choice of councils."""
    if getattr(request, "council", None) is not None:
        return home(request)
    return page(request, "councils.html", {"councils": active_councils()})


@require_GET
@with_council
def home(request: HttpRequest, council: Council) -> HttpResponseBase:
    # Lazy: read only when the cached list for this catalogue version is missing.
    return page(request, "home.html", {"groups": partial(groups_with_services, council=council)})


@require_GET
@with_council
def services(request: HttpRequest, council: Council) -> HttpResponseBase:
    query = request.GET.get("q", "").strip()[:100]
    results = service_search(council=council, text=query) if query else None
    return page(
        request,
        "services.html",
        {
            "query": query,
            "results": results,
            "groups": partial(groups_with_services, council=council),
            "handed_from": request.session.pop(f"handed_from:{council.pk}", "")
            if hasattr(request, "session")
            else "",
        },
    )


def _service(council: Council, code: str) -> Service:
    service = service_for_resident(council=council, code=code)
    if service is None:
        raise Http404(_("There is no service with this address"))
    return service


@require_GET
@with_council
def service_start(request: HttpRequest, council: Council, code: str) -> HttpResponseBase:
    service = _service(council, code)
    return page(
        request,
        "service_start.html",
        {
            "service": service,
            "first_step": _step_url(service, journey_steps(service)[0]),
        },
    )


# --- The report journey ------------------------------------------------------------


def _step_url(service: Service, step: str) -> str:
    return reverse(f"frontdoor:report_{step}", args=[service.code])


def _next(request: HttpRequest, service: Service, step: str) -> HttpResponseBase:
    if request.GET.get("change") or request.POST.get("change"):
        return redirect(_step_url(service, "check"))
    steps = journey_steps(service)
    return redirect(_step_url(service, steps[steps.index(step) + 1]))


def _back_url(service: Service, step: str) -> str:
    steps = journey_steps(service)
    index = steps.index(step)
    if index == 0:
        return reverse("frontdoor:service", args=[service.code])
    return _step_url(service, steps[index - 1])


def _journey(step: str) -> Callable[[View], View]:
    """Load the service and its draft; send the resident back to any step they skipped."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, code: str) -> HttpResponseBase:
            council = council_of(request)
            service = _service(council, code)
            if step not in journey_steps(service):
                raise Http404(_("This service does not have this step"))
            draft = Draft(request.session, council.pk, service.code)
            account = current_account(request)
            if request.method == "POST" and request.POST.get("action") == "save-for-later":
                if account is None:
                    return redirect(f"{reverse('frontdoor:sign_in')}?next={request.path}")
                draft_save(
                    account=account,
                    service_code=service.code,
                    service_name=service.name,
                    # Where they were, so they come back to the same step.
                    data={**draft.data, "resume_step": step},
                    days=settings.DRAFT_RETENTION_DAYS,
                )
                request.session["account_flash"] = _(
                    "Saved. You can finish it from your account within %(days)s days."
                ) % {"days": settings.DRAFT_RETENTION_DAYS}
                return redirect("frontdoor:account")
            if account is not None and not draft.get("contact") and not draft.data.get("prefilled"):
                _prefill_from_account(draft, account, service)
            for earlier in journey_steps(service)[: journey_steps(service).index(step)]:
                if not draft.is_done(earlier):
                    return redirect(_step_url(service, earlier))
            if request.method == "GET":
                _count(council, service, draft, "start", JourneyEvent.STARTED)
                _count(council, service, draft, step, JourneyEvent.REACHED)
            done_before = draft.is_done(step)
            response = view(request, council, service, draft)
            if not done_before and draft.is_done(step):
                _count(council, service, draft, step, JourneyEvent.SUBMITTED)
            return response

        return wrapper

    return decorate


def _count(
    council: Council, service: Service, draft: Draft, step: str, event: JourneyEvent
) -> None:
    """Count this journey at this step once, however often the page is reloaded: the
    draft remembers what it was counted for (and nothing is kept about who)."""
    mark = f"{event}:{step}"
    counted: list[str] = draft.data.setdefault("counted", [])
    if mark in counted:
        return
    counted.append(mark)
    draft.session.modified = True
    journey_count(
        council_id=council.pk,
        service_id=service.pk,
        channel=Channel.WEB,
        day=today_for(council),
        step=step,
        event=event,
    )


def _prefill_from_account(draft: Draft, account: Account, service: Service) -> None:
    """Tell us once: the profile fills the contact step, and the place for a service whose
    place is usually the home (never a pothole's)."""
    draft.data["prefilled"] = True
    draft.data["profile_contact"] = {
        "name": account.name,
        "email": account.email,
        "phone": account.phone,
    }
    home = service.location_required and service.about_the_home
    if home and account.address is not None and not draft.get("location"):
        draft.data["location"] = {
            "postcode": account.address.postcode,
            "uprn_suggested": str(account.address.uprn),
        }
    draft.session.modified = True


def _journey_context(service: Service, step: str, request: HttpRequest) -> dict[str, Any]:
    return {
        # Once, on the first page after a hand-off from another council.
        "handed_from": request.session.pop(f"handed_from:{service.council_id}", ""),
        "signed_in": current_account(request) is not None,
        "service": service,
        "back_url": _back_url(service, step),
        "changing": bool(request.GET.get("change") or request.POST.get("change")),
    }


@require_http_methods(["GET", "POST"])
@_journey("questions")
def report_questions(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    if request.method == "POST":
        form = AnswersForm(request.POST, service=service)
        if form.is_valid():
            draft.put("answers", form.stored_answers(), step="questions")
            return _next(request, service, "questions")
    else:
        form = AnswersForm(initial=draft.get("answers"), service=service)
    return page(
        request,
        "questions.html",
        {
            **_journey_context(service, "questions", request),
            "form": form,
            "errors": error_list(form),
        },
    )


@require_http_methods(["GET", "POST"])
@_journey("location")
def report_location(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    stored = draft.get("location") or _handed_place(request, council)
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
            url = _step_url(service, "location")
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
                errors_from(place_form, domain_errors)
            else:
                address = location.address
                draft.put(
                    "location",
                    {
                        "postcode": stored.get("postcode", "") if address else "",
                        "uprn": str(address.uprn) if address else "",
                        "street": location.street,
                        "description": location.description,
                        "latitude": data["latitude"],
                        "longitude": data["longitude"],
                    },
                    step="location",
                )
                if not (request.GET.get("change") or request.POST.get("change")) and _nearby(
                    service, draft
                ):
                    return redirect("frontdoor:report_nearby", code=service.code)
                return _next(request, service, "location")
    postcode = stored.get("postcode", "")
    addresses = addresses_for_postcode(council=council, postcode=postcode) if postcode else []
    chosen = place_form["uprn"].value() or stored.get("uprn", "")
    the_map = map_settings(council, _draft_point(council, draft))
    response = page(
        request,
        "location.html",
        {
            **_journey_context(service, "location", request),
            "map": the_map,
            "photo_form": photo_form if has_photo_step(service) else None,
            "photo_placed": photo_placed,
            "elsewhere": elsewhere,
            "postcode_form": postcode_form,
            "place_form": place_form,
            "addresses": addresses,
            "chosen_uprn": str(chosen),
            "postcode": postcode,
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
    elsewhere = _offer_elsewhere(council, draft, data)
    errors["latitude"] = [_outside(council, elsewhere)]
    return errors, elsewhere


def _outside(council: Council, elsewhere: list[Council]) -> str:
    if elsewhere:
        return _(
            "That place is in %(other)s's area, not %(council)s's: continue with %(other)s "
            "below, without starting again, or move the pin"
        ) % {"other": elsewhere[0].name, "council": council.name}
    return _(
        "That place is outside %(council)s's area, and no council on this website looks "
        "after it: move the pin, or contact the council for that area"
    ) % {"council": council.name}


def _offer_elsewhere(council: Council, draft: Draft, data: dict[str, Any]) -> list[Council]:
    """When the point is outside this council but inside another on this deployment,
    offer to carry on there; the place tried is kept in the draft for that."""
    if data.get("latitude") in (None, "") or data.get("longitude") in (None, ""):
        return []
    try:
        latitude, longitude = float(data["latitude"]), float(data["longitude"])
    except (TypeError, ValueError):
        return []
    offers = handoff_offers(council=council, latitude=latitude, longitude=longitude)
    if offers:
        draft.data["tried_place"] = {
            "latitude": latitude,
            "longitude": longitude,
            "street": data.get("street", ""),
            "description": data.get("description", ""),
        }
        draft.session.modified = True
    return offers


def _handed_place(request: HttpRequest, council: Council) -> dict[str, Any]:
    """A place handed over from another council, for whichever service is chosen here."""
    place = request.session.get(f"handed_place:{council.pk}")
    return dict(place) if isinstance(place, dict) else {}


@require_POST
@_journey("location")
def report_elsewhere(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    """Carry on at the council whose area the place is in (see ``frontdoor.handoff``)."""
    tried = draft.data.get("tried_place") or {}
    target = None
    if tried:
        offers = handoff_offers(
            council=council, latitude=tried["latitude"], longitude=tried["longitude"]
        )
        target = next((c for c in offers if c.slug == request.POST.get("council")), None)
    if target is None:
        return redirect(_step_url(service, "location"))
    token, _matched = handoff_start(
        council=council,
        service=service,
        target=target,
        answers=draft.get("answers"),
        place=tried,
        draft_key=str(draft.key),
    )
    draft.discard()
    return redirect(public_url(target, "handoff", token))


@require_GET
@with_council
def handoff_arrive(request: HttpRequest, council: Council, token: str) -> HttpResponseBase:
    """The other end: the answers and place go into this council's draft."""
    handed = handoff_take(council=council, token=token)
    if handed is None:
        return redirect("frontdoor:services")
    place = {**handed.place, "postcode": ""}
    request.session[f"handed_from:{council.pk}"] = handed.from_council
    service = service_for_resident(council=council, code=handed.service_code)
    if service is None:
        request.session[f"handed_place:{council.pk}"] = place
        return redirect("frontdoor:services")
    draft = Draft(request.session, council.pk, service.code)
    if handed.photos_from:
        photos_hand_over(
            from_council_id=handed.photos_from["council_id"],
            draft_key=uuid.UUID(handed.photos_from["draft_key"]),
            to_council=council,
            to_draft_key=draft.key,
        )
    draft.data["answers"] = handed.answers
    if "questions" in journey_steps(service):
        try:
            draft.data["answers"] = validate_answers(service, handed.answers)
        except ValidationError:
            pass  # the questions step opens with what was kept, to finish there
        else:
            draft.mark_done("questions")
    draft.data["location"] = place
    draft.session.modified = True
    # The first step still to do: the questions when the answers did not all fit.
    step = next((s for s in journey_steps(service) if not draft.is_done(s)), "check")
    return redirect(_step_url(service, step))


def _draft_point(council: Council, draft: Draft) -> tuple[float, float] | None:
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


def _nearby(service: Service, draft: Draft) -> list[Any]:
    point = _draft_point(service.council, draft)
    if point is None:
        return []
    return nearby_open_requests(service=service, latitude=point[0], longitude=point[1])


def _nearby_map(council: Council, draft: Draft, nearby: list[Any]) -> dict[str, Any]:
    """Report once on a map: the resident's place and the requests near it, each at its
    street (as every public map shows them) and linking to its public page."""
    point = _draft_point(council, draft)
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
@_journey("location")
def report_nearby(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    """Report once: before the resident gives their details, the open requests of the same
    problem nearby, to follow instead of filing again; or "mine is different"."""
    if not draft.is_done("location"):
        return redirect(_step_url(service, "location"))
    nearby = _nearby(service, draft)
    if (request.method == "POST" and request.POST.get("action") == "different") or not nearby:
        return _next(request, service, "location")
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
            **_journey_context(service, "location", request),
            "back_url": _step_url(service, "location"),
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


@require_http_methods(["GET", "POST"])
@_journey("photos")
def report_photos(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    question = next((q for q in service.questions.all() if q.kind == QuestionKind.PHOTO), None)
    form = PhotoForm()
    photos = photos_for_draft(council=council, draft_key=draft.key)
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "upload":
        form = PhotoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                photo_add(council=council, draft_key=draft.key, upload=form.cleaned_data["photo"])
            except ValidationError as exc:
                form.add_error("photo", exc)
            else:
                url = _step_url(service, "photos")
                return redirect(url + ("?change=1" if request.POST.get("change") else ""))
    elif request.method == "POST" and action.startswith("remove-"):
        photo_id = parse_id(action.removeprefix("remove-"))
        if photo_id is not None:
            photo_remove(draft_key=draft.key, photo_id=photo_id)
        return redirect(_step_url(service, "photos"))
    elif request.method == "POST":
        if question is not None and question.required and not photos:
            form = PhotoForm(data={})
            form.full_clean()
            form.errors.clear()
            form.add_error("photo", _("Add a photo: %(q)s") % {"q": question.label})
        else:
            draft.mark_done("photos")
            return _next(request, service, "photos")
    return page(
        request,
        "photos.html",
        {
            **_journey_context(service, "photos", request),
            "question": question,
            "form": form,
            "photos": photos,
            "errors": error_list(form),
        },
    )


@require_GET
def draft_photo(request: HttpRequest, code: str, photo_id: int) -> HttpResponseBase:
    council = council_of(request)
    if not draft_exists(request.session, council.pk, code):
        raise Http404()
    photo = photo_for_draft(
        council=council, draft_key=Draft(request.session, council.pk, code).key, photo_id=photo_id
    )
    if photo is None:
        raise Http404()
    return _photo_response(photo)


def _photo_response(photo: Photo) -> FileResponse:
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET", "POST"])
@_journey("contact")
def report_contact(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    account = current_account(request)
    profile = draft.data.get("profile_contact") or {}
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            values = form.values()
            if not service.anonymous_allowed:
                values["anonymous"] = False
            sms = values.pop("updates_by_sms")
            consent = values.pop("councillor_consent")
            errors = validate_contact(service, Contact(**values, updates_by_sms=sms))
            if not errors:
                values["updates_by_sms"] = sms and not values["anonymous"]
                values["councillor_consent"] = consent and not values["anonymous"]
                if (
                    account is not None
                    and request.POST.get("save_to_profile")
                    and not values["anonymous"]
                ):
                    changed = {
                        k: values[k]
                        for k in ("name", "phone")
                        if values[k] and values[k] != getattr(account, k)
                    }
                    if changed:
                        account_update_profile(account=account, **changed)
                draft.put("contact", values, step="contact")
                return _next(request, service, "contact")
            errors_from(form, errors)
    else:
        form = ContactForm(initial=draft.get("contact") or profile)
    return page(
        request,
        "contact.html",
        {
            **_journey_context(service, "contact", request),
            "form": form,
            "profile": profile,
            "errors": error_list(form),
        },
    )


def _draft_location(council: Council, draft: Draft) -> Location:
    stored = draft.get("location")
    address = None
    if stored.get("uprn"):
        address = address_by_uprn(council=council, uprn=int(stored["uprn"]))
    return Location(
        address=address,
        street=stored.get("street", ""),
        description=stored.get("description", ""),
        latitude=float(stored["latitude"]) if stored.get("latitude") else None,
        longitude=float(stored["longitude"]) if stored.get("longitude") else None,
    )


@require_http_methods(["GET", "POST"])
def report_check(request: HttpRequest, code: str) -> HttpResponseBase:
    council = council_of(request)
    if request.method == "POST":
        # A second press of the button, or a resubmitted page, finds the request the
        # first press made, whatever has happened to the draft since.
        try:
            key = uuid.UUID(request.POST.get("submission_key", ""))
        except ValueError:
            key = None
        if key is not None:
            existing = case_by_submission_key(council=council, submission_key=key)
            if existing is not None:
                remember_submission(request.session, existing.reference, None)
                return redirect("frontdoor:report_done", reference=existing.reference)
    return _check(request, code)


@_journey("check")
def _check(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    location = _draft_location(council, draft) if service.location_required else Location()
    stored_contact = dict(draft.get("contact"))
    updates_by_sms = bool(stored_contact.pop("updates_by_sms", False))
    councillor_consent = bool(stored_contact.pop("councillor_consent", False))
    contact = Contact(**stored_contact)
    photos = photos_for_draft(council=council, draft_key=draft.key)
    errors: list[dict[str, str]] = []
    if request.method == "POST" and request.POST.get("submission_key") == str(draft.key):
        try:
            result = case_create(
                council=council,
                request=NewRequest(
                    service=service,
                    answers=draft.get("answers"),
                    location=location,
                    contact=contact,
                    channel=Channel.WEB,
                    submission_key=draft.key,
                    photo_draft_key=draft.key,
                    language=get_language() or "en-gb",
                    preferences=Preferences(
                        updates_by_sms=updates_by_sms, councillor_consent=councillor_consent
                    ),
                    submitter=Submitter(account=current_account(request)),
                ),
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                step = _step_for_field(service, field)
                for message in messages:
                    errors.append({"href": _step_url(service, step) + "?change=1", "text": message})
        else:
            remember_submission(request.session, result.case.reference, result.private_token)
            _count(council, service, draft, "check", JourneyEvent.SUBMITTED)
            _count(council, service, draft, "check", JourneyEvent.COMPLETED)
            draft.discard()
            account = current_account(request)
            if account is not None:
                draft_discard(account=account, service_code=service.code)
            return redirect("frontdoor:report_done", reference=result.case.reference)
    return page(
        request,
        "check.html",
        {
            **_journey_context(service, "check", request),
            "answers": answer_rows(service, draft.get("answers")),
            "location": location,
            "has_location_step": "location" in journey_steps(service),
            "has_photo_step": "photos" in journey_steps(service),
            "has_question_step": "questions" in journey_steps(service),
            "contact": contact,
            "updates_by_sms": updates_by_sms,
            "councillor_consent": councillor_consent,
            "photos": photos,
            "submission_key": draft.key,
            "errors": errors,
            "step_urls": {s: _step_url(service, s) + "?change=1" for s in journey_steps(service)},
        },
    )


def _step_for_field(service: Service, field: str) -> str:
    steps = journey_steps(service)
    if code_of(field) is not None:
        return "questions" if "questions" in steps else "check"
    if field in {"name", "email", "phone", "anonymous"}:
        return "contact"
    if field in {"location", "street", "description", "latitude", "address", "uprn"}:
        return "location" if "location" in steps else "check"
    if field == "photos":
        return "photos" if "photos" in steps else "check"
    return "questions" if "questions" in steps else "check"


@require_GET
def report_done(request: HttpRequest, reference: str) -> HttpResponseBase:
    council = council_of(request)
    token = submitted_token(request.session, reference)
    if token is None:
        return redirect("frontdoor:track_case", reference=reference)
    case = case_submitted_here(council=council, reference=reference)
    if case is None:
        raise Http404()
    private_url = None
    if token and not case.contact_email:
        private_url = private_link(case, token)
    handled_elsewhere = case.council_id != council.pk
    return page(
        request,
        "done.html",
        {
            "case": case,
            "private_url": private_url,
            "handled_elsewhere": handled_elsewhere,
            # A request another council handles is followed on that council's site.
            "tracking_url": tracking_link(case) if handled_elsewhere else "",
        },
    )


# --- Following a request -----------------------------------------------------------


def _parse_or_404(council: Council, reference: str) -> ParsedReference:
    try:
        return parse_reference(reference, prefix=council.reference_prefix)
    except ReferenceError:
        raise Http404() from None


@require_GET
@with_council
def track(request: HttpRequest, council: Council) -> HttpResponseBase:
    form = TrackForm(request.GET if "reference" in request.GET else None)
    if form.is_bound and form.is_valid():
        try:
            parsed = parse_reference(
                form.cleaned_data["reference"], prefix=council.reference_prefix
            )
        except ReferenceError as exc:
            form.add_error("reference", exc.message)
        else:
            if case_for_public(council=council, reference=parsed) is not None:
                return redirect("frontdoor:track_case", reference=str(parsed))
            form.add_error(
                "reference",
                _(
                    "We could not find a request with the reference %(reference)s. Check the "
                    "number in your confirmation email, or contact us."
                )
                % {"reference": parsed},
            )
    return page(request, "track.html", {"form": form, "errors": error_list(form)})


@require_GET
@with_council
def track_case(request: HttpRequest, council: Council, reference: str) -> HttpResponseBase:
    parsed = _parse_or_404(council, reference)
    if str(parsed) != reference:
        return redirect("frontdoor:track_case", reference=str(parsed))
    case = case_for_public(council=council, reference=parsed)
    if case is None:
        raise Http404()
    account = current_account(request)
    # The place, no more precisely than the street, for the map beside the words.
    lat, lon = approximate(case.latitude), approximate(case.longitude)
    point = (
        (lat, lon)
        if case.service.shows_exact_place and lat is not None and lon is not None
        else None
    )
    the_map = map_settings(council, point, 17) if point else None
    response = page(
        request,
        "track_case.html",
        {
            "case": case,
            "map": the_map,
            "features": point_features(
                [case_marker(case, point[0], point[1], request.path)] if point else []
            ),
            # Lazy: read only when the cached fragment for this version is missing.
            "photos": partial(public_photos, case),
            "events": public_events_of(case),
            "following": account is not None and is_following(case=case, account=account),
            "follow_done": request.session.pop("follow_done", False),
            "follow_error": request.session.pop("follow_error", ""),
            "unfollow_done": request.session.pop("unfollow_done", False),
        },
    )
    allow_map_tiles(response, the_map)
    return response


@require_GET
@with_council
def track_photo(
    request: HttpRequest, council: Council, reference: str, photo_id: int
) -> HttpResponseBase:
    """A photo staff have shown on a public request's page."""
    try:
        photo = access_photo_public(council=council, reference=reference, photo_id=photo_id)
    except CaseNotFound:
        raise Http404() from None
    response = _photo_response(photo)
    response["Cache-Control"] = "public, max-age=300"
    return response


def _private_page(request: HttpRequest, case: Case, *, private: bool) -> HttpResponseBase:
    """Everything the reporter sent and what has happened, for the browser that opened the
    private link (``private``) or the signed-in resident who made it."""
    case_confirm_contact(case=case)
    response = page(
        request,
        "track_private.html",
        {
            "may_reopen": may_reopen(case),
            "report_again_url": reverse("frontdoor:service", args=[case.service.code])
            if case.service.is_active
            else reverse("frontdoor:services"),
            "reopen_error": request.session.pop("reopen_error", ""),
            "reopen_done": request.session.pop("reopen_done", False),
            "case": case,
            "answers": answer_rows(case.form_service, case.answers),
            "private": private,
        },
    )
    response["Cache-Control"] = "private, no-store"
    # strict-origin sends the Origin Django's CSRF check needs (no-referrer makes Chromium
    # send "Origin: null", and every form on the page would then fail) and no path.
    response["Referrer-Policy"] = "strict-origin"
    return response


def _reopen(request: HttpRequest, case: Case) -> None:
    try:
        case_reopen_by_resident(case=case, reason=request.POST.get("reason", "")[:2000])
    except ValidationError as exc:
        request.session["reopen_error"] = exc.messages[0]
    else:
        request.session["reopen_done"] = True


@require_GET
@with_council
def track_private(
    request: HttpRequest, council: Council, reference: str, token: str
) -> HttpResponseBase:
    """The private link from the confirmation email: the token is checked, kept in this
    browser's session, and swapped for an address without it."""
    parsed = _parse_or_404(council, reference)
    case = case_for_reporter(council=council, reference=parsed, token=token)
    if case is None:
        raise Http404()
    if BROWSER not in request.session:
        request.session[BROWSER] = secrets.token_urlsafe(24)
    if not case_private_link_claim(case=case, browser=request.session[BROWSER]):
        # Opened before in another browser: a copied or logged link is not replayed.
        return redirect("frontdoor:track_new_link", reference=case.reference)
    links = dict(request.session.get(PRIVATE_LINKS, {}))
    links[case.reference] = token
    request.session[PRIVATE_LINKS] = links
    response = redirect("frontdoor:track_yours", reference=case.reference)
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "private, no-store"
    return response


# Private-link tokens this browser has opened, by reference (``track_private``).
PRIVATE_LINKS = "private_links"
# A random value naming this browser, to which a private link is bound once opened.
BROWSER = "browser"


@require_http_methods(["GET", "POST"])
@with_council
def track_new_link(request: HttpRequest, council: Council, reference: str) -> HttpResponseBase:
    """A private link already opened in another browser, or lost: a new one is emailed to
    the address the request was made with. The same answer whatever the address, so the
    page tells nobody who made a request."""
    parsed = _parse_or_404(council, reference)
    form = NewLinkForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        if within_limit(f"new-link:{client_ip(request)}", NEW_LINKS_AN_HOUR, 3600):
            case_private_link_resend(
                council=council, reference=str(parsed), email=form.cleaned_data["email"]
            )
        sent = True
    return page(
        request,
        "track_new_link.html",
        {"reference": str(parsed), "form": form, "sent": sent, "errors": error_list(form)},
    )


# New private links one address may ask for in an hour, whatever the request.
NEW_LINKS_AN_HOUR = 10


def _reporter_case(request: HttpRequest, council: Council, reference: str) -> Case:
    """The request whose private link this browser opened, or 404."""
    parsed = _parse_or_404(council, reference)
    token = request.session.get(PRIVATE_LINKS, {}).get(str(parsed), "")
    case = case_for_reporter(council=council, reference=parsed, token=token) if token else None
    if case is None:
        raise Http404()
    return case


@require_GET
@with_council
def track_yours(request: HttpRequest, council: Council, reference: str) -> HttpResponseBase:
    case = _reporter_case(request, council, reference)
    return _private_page(request, case, private=True)


def _own_case(request: HttpRequest, reference: str) -> Case | HttpResponseBase:
    account = current_account(request)
    if account is None:
        return redirect(f"{reverse('frontdoor:sign_in')}?next={request.path}")
    try:
        return access_case_for_account(account=account, reference=reference)
    except CaseNotFound:
        raise Http404() from None


@require_GET
@with_council
def account_request(request: HttpRequest, council: Council, reference: str) -> HttpResponseBase:
    """A signed-in resident's own request: their answers, photos and details, and reopen."""
    case = _own_case(request, reference)
    if not isinstance(case, Case):
        return case
    if case.reference != reference:
        return redirect("frontdoor:account_request", reference=case.reference)
    return _private_page(request, case, private=False)


@require_GET
@with_council
def account_photo(
    request: HttpRequest, council: Council, reference: str, photo_id: int
) -> HttpResponseBase:
    account = current_account(request)
    if account is None:
        raise Http404()
    try:
        photo = access_photo_for_account(account=account, reference=reference, photo_id=photo_id)
    except CaseNotFound:
        raise Http404() from None
    return _photo_response(photo)


@require_POST
@with_council
def account_reopen(request: HttpRequest, council: Council, reference: str) -> HttpResponseBase:
    case = _own_case(request, reference)
    if not isinstance(case, Case):
        return case
    _reopen(request, case)
    return redirect("frontdoor:account_request", reference=case.reference)


@require_GET
@with_council
def private_photo(
    request: HttpRequest, council: Council, reference: str, photo_id: int
) -> HttpResponseBase:
    case = _reporter_case(request, council, reference)
    token = request.session[PRIVATE_LINKS][case.reference]
    parsed = _parse_or_404(council, case.reference)
    photo = photo_for_reporter(council=council, reference=parsed, token=token, photo_id=photo_id)
    if photo is None:
        raise Http404()
    return _photo_response(photo)


@require_http_methods(["POST"])
@with_council
def reopen(request: HttpRequest, council: Council, reference: str) -> HttpResponseBase:
    """The reporter reopens a closed request from their private page, with a reason."""
    case = _reporter_case(request, council, reference)
    _reopen(request, case)
    return redirect("frontdoor:track_yours", reference=case.reference)


# --- Statutory pages: accessibility, privacy, cookies ------------------------------------


@require_GET
@with_council
def accessibility_statement(request: HttpRequest, council: Council) -> HttpResponseBase:
    return page(request, "statutory/accessibility.html", {})


@require_GET
@with_council
def privacy_notice(request: HttpRequest, council: Council) -> HttpResponseBase:
    """What each service collects, why, on what basis and for how long (from the catalogue,
    so it cannot drift from what the forms ask)."""
    return page(request, "statutory/privacy.html", {"records": processing_records(council=council)})


@require_GET
@with_council
def cookies(request: HttpRequest, council: Council) -> HttpResponseBase:
    return page(request, "statutory/cookies.html", {})
