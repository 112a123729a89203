"""The triage queue (requests waiting in a triage service, with the model's suggestions
and one-click routing) and the free-text model's page for administrators."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onecouncil.backoffice.forms import MoveServiceForm
from onecouncil.backoffice.http import case_or_404, page, staff_view
from onecouncil.cases.access import awaiting_triage_for_staff
from onecouncil.cases.actions import WorkflowError, case_change_service
from onecouncil.catalogue.selectors import services_to_route_to
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.triage.models import TriageSettings
from onecouncil.triage.report import model_report
from onecouncil.triage.routing import suggestions_for_case, words_of_case
from onecouncil.triage.training import settings_of, triage_retrain_request

QUEUE_LIMIT = 50


@require_GET
@staff_view(Permission.CHANGE_SERVICE)
def triage_queue(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    waiting = awaiting_triage_for_staff(membership=membership)
    rows = []
    for case in waiting[:QUEUE_LIMIT]:
        found = suggestions_for_case(case)
        rows.append(
            {
                "case": case,
                "words": words_of_case(case),
                "suggestions": found.items if found else [],
            }
        )
    return page(
        request,
        "triage_queue.html",
        {
            "rows": rows,
            "count": waiting.count(),
            "services": services_to_route_to(council=council),
        },
    )


@require_POST
@staff_view(case_change_service)
def triage_route(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = case_or_404(membership, reference)
    form = MoveServiceForm(request.POST, council=case.service.council)
    if not form.is_valid():
        request.session["flash_error"] = _("Choose the service to move %(ref)s to") % {
            "ref": case.reference
        }
        return redirect("backoffice:triage")
    service = form.cleaned_data["service"]
    try:
        case_change_service(case=case, service=service, actor=Actor.from_request(request))
    except WorkflowError as error:
        request.session["flash_error"] = " ".join(error.messages)
    else:
        request.session["flash"] = _("%(ref)s moved to %(service)s") % {
            "ref": case.reference,
            "service": service.name,
        }
    return redirect("backoffice:triage")


class TriageSettingsForm(forms.ModelForm):
    class Meta:
        model = TriageSettings
        fields = ("enabled", "threshold_web", "threshold_email", "threshold_api")


@require_http_methods(["GET", "POST"])
@staff_view(Permission.MANAGE_TRIAGE)
def triage_model(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    current = settings_of(council)
    form = TriageSettingsForm(instance=current)
    if request.method == "POST" and request.POST.get("action") == "train":
        triage_retrain_request(council)
        request.session["flash"] = _("The model will be trained again within a few minutes.")
        return redirect("backoffice:triage_model")
    if request.method == "POST":
        form = TriageSettingsForm(request.POST, instance=current)
        if form.is_valid():
            form.save()
            request.session["flash"] = _("Settings saved")
            return redirect("backoffice:triage_model")
    return page(
        request,
        "triage_model.html",
        {
            "form": form,
            "report": model_report(council),
            "errors": [
                {"href": f"#id_{name}", "text": str(message)}
                for name, messages in form.errors.items()
                for message in messages
            ],
        },
    )
