"""Signing in and out of the staff pages."""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onecouncil.backoffice.forms import (
    SignInForm,
)
from onecouncil.backoffice.http import council_of, page
from onecouncil.cases.access import (
    staff_membership,
)
from onecouncil.core.audit import audit_record
from onecouncil.core.signin import STAFF_SESSION_SECONDS, Throttled, signin_attempt
from onecouncil.web.templatetags.govuk import error_list

# --- Signing in ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponseBase:
    council = council_of(request)
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = signin_attempt(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except Throttled:
            form.add_error(
                None,
                _(
                    "Too many attempts to sign in. Wait 15 minutes and try "
                    "again, or ask your administrator to reset your password."
                ),
            )
        else:
            if user is None or staff_membership(user=user, council=council) is None:
                form.add_error(
                    None,
                    _("The email address or password is not right for %(council)s's staff")
                    % {"council": council.name},
                )
            else:
                login(request, user)  # type: ignore[arg-type]  # an authenticated user from our backend
                request.session.set_expiry(STAFF_SESSION_SECONDS)
                audit_record(
                    council=council,
                    user=user,
                    action="sign_in",
                    object_type="user",
                    object_ref=str(user),
                    request=request,
                )
                target = request.GET.get("next", "")
                if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                    target = reverse("backoffice:queue")
                # The password is the first step: the second is a code (staffing.two_factor).
                return redirect(f"{reverse('backoffice:two_factor')}?{urlencode({'next': target})}")
    return page(request, "signin.html", {"form": form, "errors": error_list(form)})


@require_POST
def signout(request: HttpRequest) -> HttpResponseBase:
    logout(request)
    return redirect("backoffice:signin")


@require_GET
def home(request: HttpRequest) -> HttpResponseBase:
    return redirect("backoffice:queue")
