"""Following a request: the public tracking page, the reporter's private link, new links
and reopening."""

from __future__ import annotations

import secrets
from functools import partial

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onecouncil.cases.access import (
    CaseNotFound,
    access_photo_public,
    case_for_public,
    case_for_reporter,
    is_following,
    photo_for_reporter,
    public_events_of,
    public_photos,
)
from onecouncil.cases.actions import (
    case_confirm_contact,
    case_private_link_claim,
    case_private_link_resend,
    case_reopen_by_resident,
    may_reopen,
)
from onecouncil.cases.models import Case
from onecouncil.core.clients import client_ip
from onecouncil.core.geo import approximate
from onecouncil.core.models import Council
from onecouncil.core.references import (
    ReferenceError,
    parse_reference,
)
from onecouncil.core.throttles import within_limit
from onecouncil.frontdoor.forms import (
    NewLinkForm,
    TrackForm,
)
from onecouncil.frontdoor.http import page, parse_or_404, photo_response, with_council
from onecouncil.frontdoor.sessions import current_account
from onecouncil.frontdoor.whole_page import page_keep, page_kept
from onecouncil.web.forms import answer_rows
from onecouncil.web.maps import (
    allow_map_tiles,
    case_marker,
    map_settings,
    point_features,
)
from onecouncil.web.templatetags.govuk import error_list


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
    parsed = parse_or_404(council, reference)
    if str(parsed) != reference:
        return redirect("frontdoor:track_case", reference=str(parsed))
    case = case_for_public(council=council, reference=parsed)
    if case is None:
        raise Http404()
    # What the page shows: the request's version (every event moves it) and its service's.
    shows = (council.pk, council.time_zone, case.pk, case.updated_at, case.service.visibility)
    account = current_account(request)
    # The place, no more precisely than the street, for the map beside the words.
    lat, lon = approximate(case.latitude), approximate(case.longitude)
    point = (
        (lat, lon)
        if case.service.shows_exact_place and lat is not None and lon is not None
        else None
    )
    the_map = map_settings(council, point, 17) if point else None
    kept = page_kept(request, "track_case", shows)
    if kept is not None:
        allow_map_tiles(kept, the_map)
        return kept
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
    page_keep(request, "track_case", shows, response)
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
    response = photo_response(photo)
    response["Cache-Control"] = "public, max-age=300"
    return response


def private_page(request: HttpRequest, case: Case, *, private: bool) -> HttpResponseBase:
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


def reopen_asked(request: HttpRequest, case: Case) -> None:
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
    parsed = parse_or_404(council, reference)
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
    parsed = parse_or_404(council, reference)
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
    parsed = parse_or_404(council, reference)
    token = request.session.get(PRIVATE_LINKS, {}).get(str(parsed), "")
    case = case_for_reporter(council=council, reference=parsed, token=token) if token else None
    if case is None:
        raise Http404()
    return case


@require_GET
@with_council
def track_yours(request: HttpRequest, council: Council, reference: str) -> HttpResponseBase:
    case = _reporter_case(request, council, reference)
    return private_page(request, case, private=True)


@require_GET
@with_council
def private_photo(
    request: HttpRequest, council: Council, reference: str, photo_id: int
) -> HttpResponseBase:
    case = _reporter_case(request, council, reference)
    token = request.session[PRIVATE_LINKS][case.reference]
    parsed = parse_or_404(council, case.reference)
    photo = photo_for_reporter(council=council, reference=parsed, token=token, photo_id=photo_id)
    if photo is None:
        raise Http404()
    return photo_response(photo)


@require_http_methods(["POST"])
@with_council
def reopen(request: HttpRequest, council: Council, reference: str) -> HttpResponseBase:
    """The reporter reopens a closed request from their private page, with a reason."""
    case = _reporter_case(request, council, reference)
    reopen_asked(request, case)
    return redirect("frontdoor:track_yours", reference=case.reference)
