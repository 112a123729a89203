"""Open data for administrators: what the council publishes, the pending release with its
publication check, and withdrawing releases. Thin views over ``opendata.services``."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from onecouncil.backoffice.forms import OpenDataSettingsForm, WithdrawForm
from onecouncil.backoffice.http import page, staff_view
from onecouncil.catalogue.models import PUBLIC_VISIBILITIES, Service
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.opendata.datasets import DATASETS
from onecouncil.opendata.models import ReleaseStatus
from onecouncil.opendata.services import (
    ReleaseError,
    pending_release,
    preview_rows,
    release_of,
    release_publish,
    release_request_build,
    release_withdraw,
    releases_of,
    request_level_services,
    settings_for,
    settings_update,
    threshold_for,
    withdrawal_offers,
)


def _settings_form(council: Council, data: object = None) -> OpenDataSettingsForm:
    options = settings_for(council)
    public = Service.objects.filter(council=council, visibility__in=PUBLIC_VISIBILITIES)
    return OpenDataSettingsForm(
        data,
        services=[(str(s.pk), s.name) for s in public.order_by("name")],
        initial={
            "paused": options.paused,
            "request_level": [str(s.pk) for s in request_level_services(council)],
            "threshold": threshold_for(council),
            "location_precision": options.location_precision,
            "licence": options.licence,
            "keep_releases": options.keep_releases,
            "hold_hours": options.hold_hours,
        },
    )


def _act(
    request: HttpRequest, council: Council, action: str
) -> tuple[HttpResponseBase | None, OpenDataSettingsForm | None, WithdrawForm | None]:
    """Carry out one POSTed action: a redirect when done, or the form with its errors."""
    if action == "settings":
        form = _settings_form(council, request.POST)
        if not form.is_valid():
            return None, form, None
        data = form.cleaned_data
        settings_update(
            council=council,
            actor=request.user,
            paused=data["paused"],
            licence=data["licence"],
            location_precision=data["location_precision"],
            keep_releases=data["keep_releases"],
            hold_hours=data["hold_hours"],
            threshold=data["threshold"],
            request_level=Service.objects.filter(council=council, pk__in=data["request_level"]),
        )
        messages.success(request, _("Open data settings saved."))
    elif action == "build":
        release_request_build(council=council)
        messages.success(request, _("Asked for. The release will be built within a few minutes."))
    elif action == "publish":
        pending = pending_release(council)
        if pending is None:
            raise ReleaseError(_("There is no release waiting to go out."))
        release_publish(release=pending)
        messages.success(request, _("The release is published."))
    elif action == "withdraw":
        withdraw = WithdrawForm(request.POST)
        if not withdraw.is_valid():
            return None, None, withdraw
        release = release_of(council, withdraw.cleaned_data["version"])
        release_withdraw(
            release=release, actor=request.user, reason=withdraw.cleaned_data["reason"]
        )
        messages.success(request, _("The release is withdrawn."))
    return redirect("backoffice:open_data"), None, None


@require_http_methods(["GET", "POST"])
@staff_view(Permission.PUBLISH_OPEN_DATA)
def open_data(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    form, withdraw = _settings_form(council), WithdrawForm()
    if request.method == "POST":
        try:
            done, bad_form, bad_withdraw = _act(request, council, request.POST.get("action", ""))
        except ReleaseError as exc:
            messages.error(request, str(exc))
            return redirect("backoffice:open_data")
        if done is not None:
            return done
        form, withdraw = bad_form or form, bad_withdraw or withdraw
    pending = pending_release(council)
    previews = []
    if pending is not None and pending.status == ReleaseStatus.PENDING:
        for dataset in DATASETS:
            header, rows = preview_rows(pending, dataset.filename("csv"), 3)
            previews.append({"dataset": dataset, "header": header, "rows": rows})
    return page(
        request,
        "open_data.html",
        {
            "form": form,
            "withdraw": withdraw,
            "options": settings_for(council),
            "pending": pending,
            "previews": previews,
            "offers": withdrawal_offers(council),
            "releases": releases_of(council),
        },
        status=400 if form.is_bound or withdraw.is_bound else 200,
    )
