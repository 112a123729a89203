"""Tell us once: a change of details, told once and passed on."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onecouncil.cases.access import (
    change_report_for_account,
)
from onecouncil.cases.actions import (
    change_tell,
    email_change_confirm,
    email_change_request,
)
from onecouncil.core.models import Council
from onecouncil.frontdoor.account_forms import (
    ChangeForm,
)
from onecouncil.frontdoor.account_views.common import email_link, page, signed_in
from onecouncil.frontdoor.account_views.profile import address_choices, checked_address_and_phone
from onecouncil.frontdoor.http import council_of
from onecouncil.frontdoor.sessions import sign_in
from onecouncil.linkage.single_view import systems_to_tell
from onecouncil.residents.models import Account
from onecouncil.web.forms import errors_from
from onecouncil.web.templatetags.govuk import error_list


@require_http_methods(["GET", "POST"])
@signed_in
def change(request: HttpRequest, council: Council, account: Account) -> HttpResponseBase:
    """Tell us about a change: told once, passed on as the resident agrees."""
    systems = dict(systems_to_tell(account))
    form = ChangeForm(
        request.POST or None,
        initial={"to_requests": True, "to_services": True},
        systems=[(str(pk), system.name) for pk, system in systems.items()],
    )
    postcode = request.POST.get("postcode", "") if request.method == "POST" else ""
    postcode, addresses, postcode_error = address_choices(council, postcode)
    if request.method == "POST" and request.POST.get("action") != "find" and form.is_valid():
        data = form.cleaned_data
        address, errors = checked_address_and_phone(
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
                    systems=tuple(systems[int(pk)] for pk in data["tell_systems"]),
                )
            except ValidationError as exc:
                errors = exc.message_dict if hasattr(exc, "error_dict") else {"name": exc.messages}
        if not errors:
            if email_token:
                email_link(
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
