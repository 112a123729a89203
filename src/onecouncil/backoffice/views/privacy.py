"""Data protection: subject access, erasure, legal holds and the record of processing."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onecouncil.backoffice.forms import (
    PersonForm,
)
from onecouncil.backoffice.http import action_failed, after_action, case_or_404, page, staff_view
from onecouncil.cases.privacy import (
    PersonQuery,
    legal_hold_set,
    person_erase,
    person_summary,
    retention_run,
    subject_access_document,
    subject_access_export,
    subject_access_stores,
)
from onecouncil.catalogue.selectors import (
    processing_records,
)
from onecouncil.core.audit import personal_data_read
from onecouncil.core.exports import csv_writer
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.core.privacy import stores as privacy_stores
from onecouncil.web.templatetags.govuk import error_list

# --- Data protection: subject access, erasure, retention, legal holds ---------------------


def _person_query(form: PersonForm) -> PersonQuery:
    data = form.cleaned_data
    return PersonQuery(
        email=data.get("email") or "",
        phone=data.get("phone") or "",
        name=data.get("name") or "",
        uprn=data.get("uprn"),
    )


@require_http_methods(["GET", "POST"])
@staff_view(Permission.DATA_PROTECTION)
def privacy(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    """Find a person; then download everything held about them, or erase them. Searches
    are sent by POST so a person's details never sit in an address or an access log."""
    form = PersonForm(request.POST if request.method == "POST" else None)
    summary = None
    if request.method == "POST" and form.is_valid():
        summary = person_summary(council=council, query=_person_query(form))
        found = [c.reference for c in [*summary.own, *summary.about]]
        personal_data_read(
            council_id=council.pk, what=f"person search results: {', '.join(found) or 'none'}"
        )
    return page(
        request,
        "privacy.html",
        {
            "form": form,
            "errors": error_list(form),
            "summary": summary,
            "retention": retention_run(council=council, dry_run=True),
        },
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_POST
@staff_view(Permission.DATA_PROTECTION)
def privacy_export(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    form = PersonForm(request.POST)
    if not form.is_valid():
        return privacy(request)
    stamp = timezone.now().strftime("%Y-%m-%d")
    if request.POST.get("format") == "document":
        # The readable copy to send: labels and dates as a person reads them, printable.
        document = subject_access_document(
            council=council, query=_person_query(form), user=request.user
        )
        response = page(
            request,
            "subject_access.html",
            {"document": document, "stores": subject_access_stores(document)},
        )
        response["Content-Disposition"] = f'inline; filename="subject-access-{stamp}.html"'
        response["Cache-Control"] = "private, no-store"
        return response
    exported = subject_access_export(council=council, query=_person_query(form), user=request.user)
    response = HttpResponse(exported, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="subject-access-{stamp}.json"'
    return response


@require_POST
@staff_view(Permission.DATA_PROTECTION)
def privacy_erase(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    form = PersonForm(request.POST)
    if not form.is_valid():
        return privacy(request)
    if request.POST.get("confirm") != "yes":
        summary = person_summary(council=council, query=_person_query(form))
        return page(
            request,
            "privacy.html",
            {
                "form": form,
                "summary": summary,
                "confirm_error": _("Confirm that you have checked who is asking"),
                "errors": [
                    {"href": "#confirm", "text": _("Confirm that you have checked who is asking")}
                ],
                "retention": retention_run(council=council, dry_run=True),
            },
            status=400,
        )
    report = person_erase(council=council, query=_person_query(form), user=request.user)
    return page(request, "privacy_erased.html", {"report": report})


@require_POST
@staff_view(Permission.DATA_PROTECTION)
def case_legal_hold_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = case_or_404(membership, reference)
    reason = request.POST.get("reason", "")[:300]
    if request.POST.get("action") == "place" and not reason.strip():
        return action_failed(request, case, [_("Give the reason for the legal hold")], "id_hold")
    legal_hold_set(
        case=case, reason=reason if request.POST.get("action") == "place" else "", user=request.user
    )
    return after_action(
        request,
        case,
        _("Legal hold placed") if case.legal_hold_reason else _("Legal hold lifted"),
    )


@require_GET
@staff_view(Permission.DATA_PROTECTION)
def privacy_record(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    """The record of processing activities (UK GDPR Article 30), from the catalogue: one
    row per service, and the stores that keep copies. ``?format=csv`` downloads it."""
    records = processing_records(council=council, include_inactive=True)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="record-of-processing.csv"'
        writer = csv_writer(response)
        writer.writerow(
            [
                _("Processing activity"),
                _("Purpose"),
                _("Lawful basis"),
                _("Personal data"),
                _("Data subjects"),
                _("Recipients"),
                _("Retention"),
                _("Kept by law"),
                _("Public"),
            ]
        )
        for r in records:
            writer.writerow(
                [
                    r.service.name,
                    r.purpose,
                    r.lawful_basis,
                    "; ".join(r.collects),
                    _("Residents and others who contact the council"),
                    r.service.team.name if r.service.team else council.name,
                    r.retention,
                    r.kept_by_law,
                    r.public,
                ]
            )
        return response
    return page(
        request,
        "privacy_record.html",
        {"records": records, "stores": privacy_stores()},
    )
