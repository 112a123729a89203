"""Signing up, verifying an email address, and signing in and out."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onecouncil.core.clients import client_ip
from onecouncil.core.models import Council
from onecouncil.frontdoor.account_forms import (
    SignInForm,
    SignUpForm,
)
from onecouncil.frontdoor.account_views.common import (
    PENDING_PASSWORD,
    email_link,
    page,
    safe_next,
    signed_in,
)
from onecouncil.frontdoor.http import council_of
from onecouncil.frontdoor.sessions import sign_in, sign_out
from onecouncil.residents.accounts import (
    AccountError,
    account_request_sign_in_link,
    account_sign_in_with_link,
    account_sign_in_with_password,
    account_sign_out_everywhere,
    account_signup,
    account_verify,
    normalise_email,
)
from onecouncil.residents.models import Account
from onecouncil.web.templatetags.govuk import error_list


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponseBase:
    council = council_of(request)
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = account_signup(
                council=council,
                email=form.cleaned_data["email"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            verified = issued.account.is_verified
            email_link(
                request,
                council,
                kind="account_sign_in" if verified else "account_verify",
                to=issued.account.email,
                url_name="frontdoor:sign_in_link" if verified else "frontdoor:verify",
                token=issued.token,
            )
            request.session["check_email"] = issued.account.email
            if issued.password_hash:
                request.session[PENDING_PASSWORD] = {
                    "email": issued.account.email,
                    "hash": issued.password_hash,
                }
            return redirect("frontdoor:check_email")
    return page(request, "sign_up.html", {"form": form, "errors": error_list(form)})


@require_GET
def check_email(request: HttpRequest) -> HttpResponseBase:
    council_of(request)
    return page(request, "check_email.html", {"email": request.session.get("check_email", "")})


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponseBase:
    council = council_of(request)
    pending = request.session.get(PENDING_PASSWORD) or {}
    chosen = (str(pending.get("email", "")), str(pending.get("hash", ""))) if pending else None
    try:
        account = account_verify(council=council, token=token, chosen=chosen)
    except AccountError as exc:
        return page(request, "link_problem.html", {"message": exc.messages[0]})
    request.session.pop(PENDING_PASSWORD, None)
    sign_in(request, account)
    request.session["account_flash"] = (
        _("Your email address is confirmed and you are signed in.")
        if account.password
        else _(
            "Your email address is confirmed and you are signed in. To sign in with a "
            "password next time, choose one in your details."
        )
    )
    return redirect("frontdoor:account")


@require_http_methods(["GET", "POST"])
def sign_in_view(request: HttpRequest) -> HttpResponseBase:
    council = council_of(request)
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email, password = form.cleaned_data["email"], form.cleaned_data["password"]
        if not password:
            issued = account_request_sign_in_link(council=council, email=email)
            # One email either way (a sign-in link, or "there is no account: sign up"),
            # and the same answer on screen, so nobody learns who has an account.
            email_link(
                request,
                council,
                kind="account_sign_in" if issued else "account_none",
                to=issued.account.email if issued else normalise_email(email),
                url_name="frontdoor:sign_in_link" if issued else "frontdoor:sign_up",
                token=issued.token if issued else None,
            )
            request.session["check_email"] = email
            return redirect("frontdoor:check_email")
        try:
            account = account_sign_in_with_password(
                council=council, email=email, password=password, ip=client_ip(request)
            )
        except AccountError as exc:
            form.add_error(None, exc.messages[0])
        else:
            if account is None:
                form.add_error("password", _("The email address or password is not right"))
            else:
                sign_in(request, account)
                return redirect(safe_next(request))
    return page(request, "sign_in.html", {"form": form, "errors": error_list(form)})


@require_GET
def sign_in_link(request: HttpRequest, token: str) -> HttpResponseBase:
    council = council_of(request)
    try:
        account = account_sign_in_with_link(council=council, token=token)
    except AccountError as exc:
        return page(request, "link_problem.html", {"message": exc.messages[0]})
    sign_in(request, account)
    return redirect("frontdoor:account")


@require_POST
def sign_out_view(request: HttpRequest) -> HttpResponseBase:
    council_of(request)
    sign_out(request)
    return redirect("frontdoor:home")


@require_POST
@signed_in
def sign_out_everywhere(
    request: HttpRequest, council: Council, account: Account
) -> HttpResponseBase:
    account_sign_out_everywhere(account=account)
    sign_out(request)
    return redirect("frontdoor:home")
