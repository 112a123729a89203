"""Following a request's updates, and stopping."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from onecouncil.cases.actions import (
    case_follow,
    case_unfollow,
    follower_by_token,
    follower_confirm,
    follower_unsubscribe,
)
from onecouncil.core.clients import client_ip
from onecouncil.frontdoor.account_forms import (
    FollowForm,
)
from onecouncil.frontdoor.account_views.common import page
from onecouncil.frontdoor.http import council_of, parse_or_404
from onecouncil.frontdoor.sessions import current_account

# --- Following --------------------------------------------------------------------------------


@require_POST
def follow(request: HttpRequest, reference: str) -> HttpResponseBase:
    council = council_of(request)
    from onecouncil.cases.access import case_for_public

    case = case_for_public(council=council, reference=parse_or_404(council, reference))
    if case is None:
        raise Http404()
    account = current_account(request)
    form = FollowForm(request.POST if account is None else {"email": account.email})
    if form.is_valid():
        try:
            followed = case_follow(
                case=case,
                account=account,
                email=form.cleaned_data["email"],
                ip=client_ip(request),
            )
        except ValidationError as exc:
            request.session["follow_error"] = exc.messages[0]
        else:
            request.session["follow_done"] = "confirm" if followed.needs_confirming else "done"
    else:
        request.session["follow_error"] = form.errors["email"][0]
    return redirect(reverse("frontdoor:track_case", args=[case.reference]) + "#follow")


@require_POST
def stop_following(request: HttpRequest, reference: str) -> HttpResponseBase:
    """A signed-in resident stops following a request from its tracking page."""
    council = council_of(request)
    from onecouncil.cases.access import case_for_public

    case = case_for_public(council=council, reference=parse_or_404(council, reference))
    if case is None:
        raise Http404()
    account = current_account(request)
    if account is None:
        return redirect(reverse("frontdoor:sign_in") + f"?next={request.path}")
    if case_unfollow(case=case, account=account):
        request.session["unfollow_done"] = True
    return redirect(reverse("frontdoor:track_case", args=[case.reference]) + "#follow")


@require_http_methods(["GET", "POST"])
def follow_confirm(request: HttpRequest, token: str) -> HttpResponseBase:
    """The link in the confirmation email: a button, so a mail scanner opening the link
    does not confirm for the resident."""
    council = council_of(request)
    follower = follower_by_token(council=council, token=token)
    if follower is None or follower.unsubscribed_at is not None:
        raise Http404()
    done = follower.confirmed_at is not None
    if request.method == "POST" and not done:
        done = follower_confirm(council=council, token=token) is not None
    response = page(request, "follow_confirm.html", {"follower": follower, "done": done})
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
def unfollow(request: HttpRequest, token: str) -> HttpResponseBase:
    council = council_of(request)
    follower = follower_by_token(council=council, token=token)
    if follower is None:
        raise Http404()
    done = False
    if request.method == "POST":
        follower_unsubscribe(token=token)
        done = True
    return page(request, "unfollow.html", {"follower": follower, "done": done})
