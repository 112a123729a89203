"""Which resident account (if any) this browser is signed in to, for this council."""

from __future__ import annotations

from django.http import HttpRequest

from onecouncil.residents.models import Account

SESSION_KEY = "resident_account"


def current_account(request: HttpRequest) -> Account | None:
    council = getattr(request, "council", None)
    data = request.session.get(SESSION_KEY)
    if council is None or not data or data.get("council") != council.pk:
        return None
    if hasattr(request, "_resident_account"):
        cached: Account | None = getattr(request, "_resident_account")  # noqa: B009
        return cached
    account = (
        Account.objects.select_related("address", "council")
        .filter(pk=data["id"], council=council)
        .first()
    )
    if account is None or account.session_version != data.get("v"):
        request.session.pop(SESSION_KEY, None)
        account = None
    request._resident_account = account  # type: ignore[attr-defined]  # an attribute we attach to HttpRequest
    return account


def sign_in(request: HttpRequest, account: Account) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "id": account.pk,
        "v": account.session_version,
        "council": account.council_id,
    }
    request._resident_account = account  # type: ignore[attr-defined]  # an attribute we attach to HttpRequest


def sign_out(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
