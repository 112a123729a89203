"""The resident's account: their requests and alerts, claiming earlier requests, the
profile, the password, and deleting the account."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onecouncil.alerts.services import alert_stop_for_email, alerts_of_email, describe_area
from onecouncil.cases.access import (
    cases_for_account,
    claimable_cases,
)
from onecouncil.cases.actions import (
    cases_claim,
)
from onecouncil.cases.privacy import PersonQuery, person_erase
from onecouncil.core.models import Council
from onecouncil.core.references import parse_id
from onecouncil.frontdoor.account_forms import (
    PasswordForm,
    ProfileForm,
)
from onecouncil.frontdoor.account_views.common import page, signed_in
from onecouncil.frontdoor.http import council_of
from onecouncil.frontdoor.sessions import sign_in, sign_out
from onecouncil.residents.accounts import (
    account_set_password,
    account_update_profile,
    drafts_for,
)
from onecouncil.residents.models import Account
from onecouncil.residents.postcodes import normalise_postcode
from onecouncil.residents.selectors import address_by_uprn, addresses_for_postcode
from onecouncil.web.forms import errors_from
from onecouncil.web.templatetags.govuk import error_list

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


def address_choices(council: Council, postcode: str) -> tuple[str, list[Any], str]:
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


def checked_address_and_phone(
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
    postcode, addresses, postcode_error = address_choices(council, postcode)
    if request.method == "POST" and request.POST.get("action") != "find" and form.is_valid():
        data = form.cleaned_data
        address, errors = checked_address_and_phone(
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
