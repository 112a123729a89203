"""What the resident account pages share: rendering, the signed-in gate, and the
one-time link and safe-redirect helpers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from onecouncil.core.clients import client_ip
from onecouncil.core.links import public_url
from onecouncil.core.models import Council
from onecouncil.frontdoor.http import council_of
from onecouncil.frontdoor.sessions import current_account
from onecouncil.notify.models import Channel
from onecouncil.notify.services import notification_enqueue
from onecouncil.residents.accounts import (
    link_email_allowed,
)

View = Callable[..., HttpResponseBase]

logger = logging.getLogger(__name__)


def page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponseBase:
    context.setdefault("form_has_errors", bool(context.get("errors")))
    context.setdefault("resident", current_account(request))
    context.setdefault("flash", request.session.pop("account_flash", ""))
    response = render(request, f"frontdoor/account/{template}", context)
    response["Cache-Control"] = "private, no-store"
    return response


def signed_in(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        council = council_of(request)
        account = current_account(request)
        if account is None:
            return redirect(f"{reverse('frontdoor:sign_in')}?next={request.path}")
        return view(request, council, account, *args, **kwargs)

    return wrapper


def email_link(
    request: HttpRequest,
    council: Council,
    *,
    kind: str,
    to: str,
    url_name: str,
    token: str | None,
) -> None:
    """Queue one link email (a token's link, or with no token a plain page's), within the
    limits that stop anyone flooding an inbox."""
    if not link_email_allowed(council=council, to=to, ip=client_ip(request)):
        logger.warning("link email (%s) not sent: too many for one address or client", kind)
        return
    notification_enqueue(
        council=council,
        kind=kind,
        channel=Channel.EMAIL,
        recipient=to,
        context={
            "council_name": council.name,
            "link": public_url(
                council, url_name.removeprefix("frontdoor:"), *([token] if token else [])
            ),
        },
    )


def safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    return (
        target
        if target.startswith("/") and not target.startswith("//")
        else reverse("frontdoor:account")
    )


# --- Signing up and in --------------------------------------------------------------------

# The password a browser chose at sign-up, kept in that browser's session until the email
# is confirmed (residents.accounts.account_verify).
PENDING_PASSWORD = "pending_signup_password"  # noqa: S105  # a session key, not a password
