"""What every resident page shares: the council of the request (``with_council``),
rendering (``page``), the journey's step decorator and navigation, and parsing helpers.
Views are thin: they parse, call one access function or action, and render."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from onecouncil.assets.selectors import asset_by_identifier, asset_type_for_service
from onecouncil.cases.inputs import (
    Location,
)
from onecouncil.cases.models import Channel, Photo
from onecouncil.catalogue.answers import (
    journey_steps,
)
from onecouncil.catalogue.models import Service
from onecouncil.catalogue.selectors import (
    service_for_resident,
)
from onecouncil.core.models import Council
from onecouncil.core.references import (
    ParsedReference,
    ReferenceError,
    parse_reference,
)
from onecouncil.frontdoor.drafts import Draft
from onecouncil.frontdoor.sessions import current_account
from onecouncil.insight.journeys import journey_count
from onecouncil.insight.models import JourneyEvent
from onecouncil.insight.services import today_for
from onecouncil.residents.accounts import draft_save
from onecouncil.residents.models import Account
from onecouncil.residents.selectors import address_by_uprn

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


def service_or_404(council: Council, code: str) -> Service:
    service = service_for_resident(council=council, code=code)
    if service is None:
        raise Http404(_("There is no service with this address"))
    return service


# --- The report journey ------------------------------------------------------------


def step_url(service: Service, step: str) -> str:
    return reverse(f"frontdoor:report_{step}", args=[service.code])


def next_step(request: HttpRequest, service: Service, step: str) -> HttpResponseBase:
    if request.GET.get("change") or request.POST.get("change"):
        return redirect(step_url(service, "check"))
    steps = journey_steps(service)
    return redirect(step_url(service, steps[steps.index(step) + 1]))


def _back_url(service: Service, step: str) -> str:
    steps = journey_steps(service)
    index = steps.index(step)
    if index == 0:
        return reverse("frontdoor:service", args=[service.code])
    return step_url(service, steps[index - 1])


def journey_step(step: str) -> Callable[[View], View]:
    """Load the service and its draft; send the resident back to any step they skipped."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, code: str) -> HttpResponseBase:
            council = council_of(request)
            service = service_or_404(council, code)
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
                prefill_from_account(draft, account, service)
            for earlier in journey_steps(service)[: journey_steps(service).index(step)]:
                if not draft.is_done(earlier):
                    return redirect(step_url(service, earlier))
            if request.method == "GET":
                journey_counted(council, service, draft, "start", JourneyEvent.STARTED)
                journey_counted(council, service, draft, step, JourneyEvent.REACHED)
            done_before = draft.is_done(step)
            response = view(request, council, service, draft)
            if not done_before and draft.is_done(step):
                journey_counted(council, service, draft, step, JourneyEvent.SUBMITTED)
            return response

        return wrapper

    return decorate


def journey_counted(
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


def journey_context(service: Service, step: str, request: HttpRequest) -> dict[str, Any]:
    return {
        # Once, on the first page after a hand-off from another council.
        "handed_from": request.session.pop(f"handed_from:{service.council_id}", ""),
        "signed_in": current_account(request) is not None,
        "service": service,
        "back_url": _back_url(service, step),
        "changing": bool(request.GET.get("change") or request.POST.get("change")),
    }


def photo_response(photo: Photo) -> FileResponse:
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def draft_location(council: Council, draft: Draft, service: Service) -> Location:
    stored = draft.get("location")
    address = None
    if stored.get("uprn"):
        address = address_by_uprn(council=council, uprn=int(stored["uprn"]))
    asset = None
    asset_type = asset_type_for_service(service) if stored.get("asset") else None
    if asset_type is not None:
        asset = asset_by_identifier(
            council=asset_type.council, identifier=stored["asset"], asset_type=asset_type
        )
    return Location(
        address=address,
        street=stored.get("street", ""),
        description=stored.get("description", ""),
        latitude=float(stored["latitude"]) if stored.get("latitude") else None,
        longitude=float(stored["longitude"]) if stored.get("longitude") else None,
        asset=asset,
    )


# --- Following a request -----------------------------------------------------------


def parse_or_404(council: Council, reference: str) -> ParsedReference:
    try:
        return parse_reference(reference, prefix=council.reference_prefix)
    except ReferenceError:
        raise Http404() from None


def prefill_from_account(draft: Draft, account: Account, service: Service) -> None:
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
