"""The second step of every staff sign-in (the staff pages and the admin): a code from an
authenticator app or a recovery code, or, the first time, setting the app up. The rules
live in ``staffing.two_factor``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from onecouncil.backoffice.http import page, second_factor_passed
from onecouncil.staffing.two_factor import (
    second_factor_enrolled,
    second_factor_verify,
    totp_enrol_confirm,
    totp_enrolment,
)


def _next(request: HttpRequest) -> str:
    target = request.GET.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    if getattr(request, "council", None) is None:
        return reverse("admin:index")
    return reverse("backoffice:home")


@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponseBase:
    if not request.user.is_authenticated:
        return HttpResponseRedirect(_next(request))
    if second_factor_passed(request):
        return HttpResponseRedirect(_next(request))
    user = request.user
    error = ""
    if not second_factor_enrolled(user):
        if request.method == "POST":
            done = totp_enrol_confirm(user, request.POST.get("code", ""))
            if done is not None:
                device, codes = done
                otp_login(request, device)
                # Shown once, in this answer, and never stored anywhere readable.
                response = page(
                    request, "two_factor_codes.html", {"codes": codes, "next": _next(request)}
                )
                response["Cache-Control"] = "no-store"
                return response
            error = _("Enter the 6-digit code your app shows now")
        response = page(
            request,
            "two_factor_enrol.html",
            {"enrolment": totp_enrolment(user), "error": error, "form_has_errors": bool(error)},
        )
        response["Cache-Control"] = "no-store"
        return response
    if request.method == "POST":
        device = second_factor_verify(user, request.POST.get("code", ""))
        if device is not None:
            otp_login(request, device)
            return HttpResponseRedirect(_next(request))
        error = _(
            "That code is not right, or it has been used. Enter the code your app shows now, "
            "or one of your recovery codes. After several wrong codes you must wait a little "
            "before trying again."
        )
    return page(request, "two_factor.html", {"error": error, "form_has_errors": bool(error)})
