"""People: inviting staff, resetting a colleague's second factor, and the invitation's
password page."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onecouncil.backoffice.forms import (
    InviteForm,
    WelcomePasswordForm,
)
from onecouncil.backoffice.http import council_of, page, staff_view
from onecouncil.cases.access import (
    staff_membership,
)
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.staffing.services import (
    StaffInviteError,
    invited_user,
    staff_invite,
    staff_of,
    staff_password_set,
    staff_two_factor_reset,
)
from onecouncil.web.forms import errors_from
from onecouncil.web.templatetags.govuk import error_list

# --- People: the council's staff, inviting a new member, choosing a password ------------


@require_GET
@staff_view(Permission.MANAGE_STAFF)
def people(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    return page(request, "people.html", {"members": staff_of(council)})


@require_http_methods(["GET", "POST"])
@staff_view(Permission.MANAGE_STAFF)
def people_reset_two_factor(
    request: HttpRequest, council: Council, membership: Membership, user_id: int
) -> HttpResponseBase:
    """Asks first (which colleague, what happens), then resets and emails them."""
    colleague = next((m for m in staff_of(council) if m.membership.user_id == user_id), None)
    if colleague is None:
        raise Http404()
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        return page(request, "people_reset_two_factor.html", {"member": colleague})
    reset = staff_two_factor_reset(council=council, user_id=user_id, by=request.user)
    if reset is None:
        raise Http404()
    request.session["flash"] = _(
        "%(name)s will set up two-factor sign-in again the next time they sign in. They "
        "have been told by email."
    ) % {"name": reset.user.get_full_name() or reset.user.username}
    return redirect("backoffice:people")


@require_http_methods(["GET", "POST"])
@staff_view(Permission.MANAGE_STAFF)
def people_invite(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    form = InviteForm(request.POST if request.method == "POST" else None, council=council)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            staff_invite(
                council=council,
                invited_by=request.user,
                email=data["email"],
                name=data["name"],
                role=data["role"],
                teams=list(data["teams"]),
                ward_codes=data["wards"],
            )
        except StaffInviteError as exc:
            errors_from(form, exc.errors)
        else:
            # The same words whoever the address belongs to: an address that already
            # works for another council must not show that person's name here.
            request.session["flash"] = _("An invitation has been sent to %(email)s.") % {
                "email": data["email"].strip().lower()
            }
            return redirect("backoffice:people")
    return page(request, "people_invite.html", {"form": form, "errors": error_list(form)})


@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest, uidb64: str, token: str) -> HttpResponseBase:
    """Choose a password from an invitation email. The token stays out of the Referer
    header of anything this page loads or links to; the form posts back to this URL."""
    council = council_of(request)
    user = invited_user(uidb64, token)
    if user is None or staff_membership(user=user, council=council) is None:
        response = page(request, "welcome_expired.html", {}, status=404)
    else:
        form = WelcomePasswordForm(request.POST if request.method == "POST" else None, user=user)
        if request.method == "POST" and form.is_valid():
            staff_password_set(user=user, password=form.cleaned_data["password1"])
            request.session["flash"] = _("Your password is set. Sign in with your email address.")
            return redirect("backoffice:signin")
        response = page(
            request, "welcome.html", {"form": form, "errors": error_list(form), "user": user}
        )
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "private, no-store"
    return response
