"""A signed-in resident's own requests, photos and reopening."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from onecouncil.cases.access import (
    CaseNotFound,
    access_case_for_account,
    access_photo_for_account,
)
from onecouncil.cases.models import Case
from onecouncil.core.models import Council
from onecouncil.frontdoor.http import photo_response, with_council
from onecouncil.frontdoor.sessions import current_account
from onecouncil.frontdoor.views.tracking import private_page, reopen_asked


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
    return private_page(request, case, private=False)


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
    return photo_response(photo)


@require_POST
@with_council
def account_reopen(request: HttpRequest, council: Council, reference: str) -> HttpResponseBase:
    case = _own_case(request, reference)
    if not isinstance(case, Case):
        return case
    reopen_asked(request, case)
    return redirect("frontdoor:account_request", reference=case.reference)
