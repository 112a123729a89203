"""What every staff page shares: the staff gate (``staff_view``: signed in, second factor,
a member of this council's staff with the permission a read or an action declares),
rendering (``page``), and the parsing and redirect helpers the views use. Views are thin:
they parse, call one access function or action, and render."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse

from onecouncil.backoffice.forms import (
    QueueFilterForm,
)
from onecouncil.cases.access import (
    QueueFilters,
    case_for_staff,
    clock_for,
    require,
    staff_membership,
    staff_queue,
)
from onecouncil.cases.actions import (
    permission_of,
)
from onecouncil.cases.models import Case
from onecouncil.core.models import Council, Membership, Role
from onecouncil.core.permissions import Permission, role_has

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 50


def council_of(request: HttpRequest) -> Council:
    council: Council | None = getattr(request, "council", None)
    if council is None:
        raise Http404()
    return council


def staff_view(permission: Permission | Callable[..., Any]) -> Callable[[View], View]:
    """Signed in, a member of this council's staff, with ``permission``: a read's, or
    (for a page that takes a staff action) the permission the action declares, so it is
    refused before any input is read. The action checks it again itself."""
    needed = permission if isinstance(permission, Permission) else permission_of(permission)

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            council = council_of(request)
            if not request.user.is_authenticated:
                return redirect(f"{reverse('backoffice:signin')}?next={request.path}")
            if not second_factor_passed(request):
                return redirect(f"{reverse('backoffice:two_factor')}?next={request.path}")
            membership = staff_membership(user=request.user, council=council)
            require(membership, needed)
            assert membership is not None
            request.membership = membership  # type: ignore[attr-defined]  # an attribute we attach to HttpRequest
            response = view(request, council, membership, *args, **kwargs)
            response["Cache-Control"] = "private, no-store"
            return response

        return wrapper

    return decorate


def second_factor_passed(request: HttpRequest) -> bool:
    """Whether this session's user gave their second factor (django-otp's middleware)."""
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


def page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    membership: Membership | None = getattr(request, "membership", None)
    context.setdefault("form_has_errors", bool(context.get("errors")))
    context.setdefault("flash", request.session.pop("flash", ""))
    context.setdefault("flash_error", request.session.pop("flash_error", ""))
    context["membership"] = membership
    # The staff admin lives at the site's root, outside any council's path.
    context["admin_url"] = f"{request.META.get('SCRIPT_NAME', '').rstrip('/')}/admin/"
    if membership is not None:
        context.setdefault("clock", clock_for(membership.council))
    context["can"] = {
        p.value: bool(membership and role_has(membership.role, p)) for p in Permission
    }
    return render(request, f"backoffice/{template}", context, status=status)


# --- Queues ----------------------------------------------------------------------------


def filtered(
    request: HttpRequest, council: Council, membership: Membership
) -> tuple[QueueFilterForm, QuerySet[Case]]:
    data = request.GET.copy()
    if "status" not in data:
        data["status"] = "open"
        my_teams = list(membership.teams.all())
        if "team" not in data and len(my_teams) == 1:
            data["team"] = str(my_teams[0].pk)
    form = QueueFilterForm(data, council=council)
    filters = QueueFilters.from_cleaned(form.cleaned_data) if form.is_valid() else QueueFilters()
    cases = staff_queue(
        membership=membership, filters=filters, clock=clock_for(council), user_id=request.user.pk
    )
    return form, cases


def staff_choices(council: Council) -> list[tuple[str, str]]:
    members = (
        Membership.objects.filter(council=council)
        .exclude(role=Role.COUNCILLOR)
        .select_related("user")
        .order_by("user__username")
    )
    return [(str(m.user_id), m.user.get_full_name() or m.user.get_username()) for m in members]


# --- The case view ---------------------------------------------------------------------


def case_or_404(membership: Membership, reference: str) -> Case:
    case = case_for_staff(membership=membership, reference=reference)
    if case is None:
        raise Http404()
    return case


def iso_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def after_action(request: HttpRequest, case: Case, done: str) -> HttpResponseBase:
    request.session["flash"] = done
    return redirect("backoffice:case", reference=case.reference)


def action_failed(
    request: HttpRequest, case: Case, messages: list[str], anchor: str
) -> HttpResponseBase:
    request.session["case_errors"] = [{"href": f"#{anchor}", "text": m} for m in messages]
    return redirect(reverse("backoffice:case", args=[case.reference]) + f"#{anchor}")


def act(
    request: HttpRequest, case: Case, anchor: str, done: str, action: Callable[[], object]
) -> HttpResponseBase:
    """Run one case action: back to the case with a banner, or with the errors at ``anchor``."""
    try:
        action()
    except ValidationError as exc:  # WorkflowError, or a photo that is not one
        return action_failed(request, case, exc.messages, anchor)
    return after_action(request, case, done)
