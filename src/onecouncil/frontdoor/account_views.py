"""Resident accounts (optional): sign up, sign in, my requests, profile, tell us about a
change, save and come back, follow, delete. Every page here shows only the signed-in
resident's own things: each read starts from ``current_account``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onecouncil.alerts.services import alert_stop_for_email, alerts_of_email, describe_area
from onecouncil.cases.access import (
    cases_for_account,
    change_report_for_account,
    claimable_cases,
)
from onecouncil.cases.actions import (
    case_follow,
    case_unfollow,
    cases_claim,
    change_tell,
    email_change_confirm,
    email_change_request,
    follower_by_token,
    follower_confirm,
    follower_unsubscribe,
)
from onecouncil.cases.privacy import PersonQuery, person_erase
from onecouncil.core.clients import client_ip
from onecouncil.core.links import public_url
from onecouncil.core.models import Council
from onecouncil.core.references import parse_id
from onecouncil.frontdoor.account_forms import (
    ChangeForm,
    FollowForm,
    PasswordForm,
    ProfileForm,
    SignInForm,
    SignUpForm,
)
from onecouncil.frontdoor.drafts import draft_restore
from onecouncil.frontdoor.http import council_of, parse_or_404
from onecouncil.frontdoor.sessions import current_account, sign_in, sign_out
from onecouncil.notify.models import Channel
from onecouncil.notify.services import notification_enqueue
from onecouncil.residents.accounts import (
    AccountError,
    account_request_sign_in_link,
    account_set_password,
    account_sign_in_with_link,
    account_sign_in_with_password,
    account_sign_out_everywhere,
    account_signup,
    account_update_profile,
    account_verify,
    drafts_for,
    link_email_allowed,
    normalise_email,
)
from onecouncil.residents.models import Account, SavedDraft
from onecouncil.residents.postcodes import normalise_postcode
from onecouncil.residents.selectors import address_by_uprn, addresses_for_postcode
from onecouncil.web.forms import errors_from
from onecouncil.web.templatetags.govuk import error_list

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


def _email_link(
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


def _safe_next(request: HttpRequest) -> str:
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
            _email_link(
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
            _email_link(
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
                return redirect(_safe_next(request))
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


# --- My account -----------------------------------------------------------------------------


@require_GET
@signed_in
def account_home(request: HttpRequest, council: Council, account: Account) -> HttpResponseBase:
    return page(
        request,
        "home.html",
        {
            "account": account,
            "cases": list(cases_for_account(account)[:200]),
            "claimable": list(claimable_cases(account)[:50]),
            "drafts": drafts_for(account),
            "near_url": reverse("frontdoor:reports_near"),
            "alerts": [
                (alert, describe_area(alert))
                for alert in alerts_of_email(council=council, email=account.email)
            ],
        },
    )


@require_POST
@signed_in
def alert_stop(
    request: HttpRequest, council: Council, account: Account, alert_id: int
) -> HttpResponseBase:
    """Stop one of the signed-in resident's area alerts from their account page."""
    stopped = alert_stop_for_email(council=council, email=account.email, alert_id=alert_id)
    if stopped is None:
        raise Http404()
    request.session["account_flash"] = _("That alert is stopped: we will not email you about it.")
    return redirect(reverse("frontdoor:account") + "#alerts")


@require_POST
@signed_in
def claim(request: HttpRequest, council: Council, account: Account) -> HttpResponseBase:
    count = cases_claim(account=account, references=request.POST.getlist("references"))
    request.session["account_flash"] = _("%(n)s requests added to your account.") % {"n": count}
    return redirect("frontdoor:account")


def _address_choices(council: Council, postcode: str) -> tuple[str, list[Any], str]:
    if not postcode:
        return "", [], ""
    try:
        normalised = normalise_postcode(postcode)
    except ValidationError as exc:
        return postcode, [], exc.messages[0]
    found = addresses_for_postcode(council=council, postcode=normalised)
    if not found:
        return (
            normalised,
            [],
            _("We could not find any addresses in %(p)s in our area") % {"p": normalised},
        )
    return normalised, found, ""


def _checked_address_and_phone(
    council: Council, data: dict[str, Any], unknown_address: str
) -> tuple[Any, dict[str, list[str]]]:
    """The gazetteer address chosen (None if none) and any errors in it or the phone."""
    from onecouncil.cases.inputs import normalise_phone

    errors: dict[str, list[str]] = {}
    address = None
    if data["uprn"]:
        uprn = parse_id(data["uprn"])
        if uprn is not None:
            address = address_by_uprn(council=council, uprn=uprn)
        if address is None:
            errors["uprn"] = [unknown_address]
    if data["phone"].strip():
        try:
            normalise_phone(data["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.messages
    return address, errors


@require_http_methods(["GET", "POST"])
@signed_in
def profile(request: HttpRequest, council: Council, account: Account) -> HttpResponseBase:
    initial = {
        "name": account.name,
        "phone": account.phone,
        "postcode": account.address.postcode if account.address else "",
        "uprn": str(account.address.uprn) if account.address else "",
        "contact_preference": account.contact_preference,
        "language": account.language,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    postcode = (
        request.POST.get("postcode") if request.method == "POST" else initial["postcode"]
    ) or ""
    postcode, addresses, postcode_error = _address_choices(council, postcode)
    if request.method == "POST" and request.POST.get("action") != "find" and form.is_valid():
        data = form.cleaned_data
        address, errors = _checked_address_and_phone(
            council, data, _("Select your address from the list")
        )
        address = address or (None if data["uprn"] else account.address)
        if data["contact_preference"] == "sms" and not data["phone"].strip():
            errors.setdefault("phone", [_("Enter a mobile number to get text messages")])
        if not errors:
            account_update_profile(
                account=account,
                name=data["name"].strip(),
                phone=data["phone"].strip(),
                address=address,
                contact_preference=data["contact_preference"],
                language=data["language"],
            )
            request.session["account_flash"] = _("Your profile is saved.")
            return redirect("frontdoor:account")
        errors_from(form, errors)
    if postcode_error and request.method == "POST":
        form.add_error("postcode", postcode_error)
    return page(
        request,
        "profile.html",
        {
            "form": form,
            "addresses": addresses,
            "postcode": postcode,
            "account": account,
            "chosen_uprn": str(form["uprn"].value() or ""),
            "errors": error_list(form),
        },
    )


@require_http_methods(["GET", "POST"])
@signed_in
def password(request: HttpRequest, council: Council, account: Account) -> HttpResponseBase:
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account_set_password(account=account, password=form.cleaned_data["password"])
        except ValidationError as exc:
            form.add_error("password", exc)
        else:
            account.refresh_from_db()
            sign_in(request, account)  # this browser stays signed in; others are signed out
            request.session["account_flash"] = _("Your password is set.")
            return redirect("frontdoor:account")
    return page(request, "password.html", {"form": form, "errors": error_list(form)})


@require_http_methods(["GET", "POST"])
@signed_in
def change(request: HttpRequest, council: Council, account: Account) -> HttpResponseBase:
    """Tell us about a change: told once, passed on as the resident agrees."""
    form = ChangeForm(request.POST or None, initial={"to_requests": True, "to_services": True})
    postcode = request.POST.get("postcode", "") if request.method == "POST" else ""
    postcode, addresses, postcode_error = _address_choices(council, postcode)
    if request.method == "POST" and request.POST.get("action") != "find" and form.is_valid():
        data = form.cleaned_data
        address, errors = _checked_address_and_phone(
            council, data, _("Select your new address from the list")
        )
        email_token = ""
        if not errors and data["email"].strip():
            try:
                email_token = email_change_request(
                    account=account,
                    new_email=data["email"],
                    to_requests=data["to_requests"],
                    to_services=data["to_services"],
                )
            except ValidationError as exc:
                errors = exc.message_dict
        others = bool(data["name"].strip() or data["phone"].strip() or address is not None)
        report = None
        if not errors and (others or not email_token):
            try:
                report = change_tell(
                    account=account,
                    name=data["name"].strip() or None,
                    phone=data["phone"].strip() or None,
                    address=address,
                    to_requests=data["to_requests"],
                    to_services=data["to_services"],
                    effective_date=data["effective"],
                )
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"name": exc.messages}
        if not errors:
            if email_token:
                _email_link(
                    request,
                    council,
                    kind="account_change_email",
                    to=data["email"].strip().lower(),
                    url_name="frontdoor:change_email",
                    token=email_token,
                )
                request.session["account_flash"] = _(
                    "We have sent a link to %(email)s. Your email address changes when you open it."
                ) % {"email": data["email"].strip().lower()}
            if report is not None:
                return redirect("frontdoor:change_done", report_id=report.pk)
            return redirect("frontdoor:account")
        errors_from(form, errors)
    if postcode_error and request.method == "POST":
        form.add_error("postcode", postcode_error)
    return page(
        request,
        "change.html",
        {
            "form": form,
            "addresses": addresses,
            "postcode": postcode,
            "chosen_uprn": str(form["uprn"].value() or ""),
            "errors": error_list(form),
        },
    )


@require_GET
def change_email(request: HttpRequest, token: str) -> HttpResponseBase:
    """The link sent to a new email address: opening it proves the address."""
    council = council_of(request)
    try:
        report = email_change_confirm(council=council, token=token)
    except ValidationError as exc:
        return page(request, "link_problem.html", {"message": exc.messages[0]})
    account = report.account
    assert account is not None
    sign_in(request, account)
    return redirect("frontdoor:change_done", report_id=report.pk)


@require_GET
@signed_in
def change_done(
    request: HttpRequest, council: Council, account: Account, report_id: int
) -> HttpResponseBase:
    report = change_report_for_account(account=account, report_id=report_id)
    if report is None:
        raise Http404()
    return page(
        request,
        "change_done.html",
        {"report": report, "reports": account.change_reports.all()[:20]},
    )


@require_http_methods(["GET", "POST"])
@signed_in
def delete(request: HttpRequest, council: Council, account: Account) -> HttpResponseBase:
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        # Their follows, changes of details, person record and messages go with it; their
        # requests stay with the council, detached, until the retention period ends.
        person_erase(council=council, query=PersonQuery(), account=account, erase_requests=False)
        sign_out(request)
        request.session["deleted"] = True
        return redirect("frontdoor:account_deleted")
    return page(request, "delete.html", {"account": account, "error": request.method == "POST"})


@require_GET
def account_deleted(request: HttpRequest) -> HttpResponseBase:
    council_of(request)
    return page(request, "deleted.html", {})


# --- Save and come back ---------------------------------------------------------------------


@require_POST
@signed_in
def resume_draft(
    request: HttpRequest, council: Council, account: Account, code: str
) -> HttpResponseBase:
    saved = SavedDraft.objects.filter(account=account, service_code=code).first()
    if saved is None:
        raise Http404()
    data = dict(saved.data)
    step = data.pop("resume_step", None)
    draft_restore(request.session, council.pk, code, data)
    if step in RESUMABLE_STEPS:
        # The journey itself sends them back to any earlier step they had not finished.
        return redirect(f"frontdoor:report_{step}", code=code)
    return redirect(
        "frontdoor:report_check" if "contact" in data.get("done", []) else "frontdoor:service",
        code=code,
    )


RESUMABLE_STEPS = ("questions", "location", "photos", "contact", "check")


def draft_retention_days() -> int:
    return int(settings.DRAFT_RETENTION_DAYS)


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
