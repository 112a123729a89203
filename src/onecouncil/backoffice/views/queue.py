"""The staff queue: filters, bulk changes, the CSV export, search, and requests taken here
for services another council handles."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onecouncil.backoffice.forms import (
    SearchForm,
)
from onecouncil.backoffice.http import PAGE_SIZE, filtered, page, staff_choices, staff_view
from onecouncil.cases.access import (
    CaseNotFound,
    access_received_case_for_staff,
    case_for_staff,
    case_search,
    clock_for,
    queue_counts,
    received_cases,
)
from onecouncil.cases.actions import (
    cases_bulk_change,
)
from onecouncil.cases.models import Case, Status
from onecouncil.core.actors import Actor
from onecouncil.core.audit import audit_record
from onecouncil.core.exports import csv_writer
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.core.references import parse_id
from onecouncil.linkage.single_view import people_search_if_allowed
from onecouncil.web.forms import answer_rows


@require_GET
@staff_view(Permission.VIEW_CASES)
def queue(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    form, cases = filtered(request, council, membership)
    paginator = Paginator(cases, PAGE_SIZE)
    page_obj = paginator.get_page(request.GET.get("page"))
    clock = clock_for(council)
    counts = queue_counts(membership=membership, clock=clock)
    query = request.GET.copy()
    query.pop("page", None)
    # "Select all on this page" without JavaScript: the same page, every box ticked.
    everything = request.GET.copy()
    everything["select"] = "all"
    return page(
        request,
        "queue.html",
        {
            "form": form,
            "page_obj": page_obj,
            "select_all": request.GET.get("select") == "all",
            "select_all_query": everything.urlencode(),
            "counts": counts,
            "clock": clock,
            "query": query.urlencode(),
            "staff": staff_choices(council),
            "statuses": [s for s in Status if s not in (Status.CLOSED, Status.REOPENED)],
            "errors": [],
        },
    )


@require_POST
@staff_view(cases_bulk_change)
def bulk(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    references = request.POST.getlist("references")
    actor = Actor.from_request(request)
    cases = [case_for_staff(membership=membership, reference=r) for r in references]
    chosen = [c for c in cases if c is not None]
    assign_to = request.POST.get("assign_to", "")
    status = request.POST.get("status", "")
    if not chosen or not (assign_to or status):
        request.session["flash_error"] = _("Select requests and what to do with them")
        return redirect(f"{reverse('backoffice:queue')}?{request.POST.get('query', '')}")
    user_model = get_user_model()
    assignee = None
    if assign_to and assign_to != "nobody":
        assignee = user_model.objects.filter(pk=parse_id(assign_to) or 0).first()
        if assignee is None:
            request.session["flash_error"] = _("Choose someone from the list to assign to")
            return redirect(f"{reverse('backoffice:queue')}?{request.POST.get('query', '')}")
    skipped = cases_bulk_change(
        cases=chosen, actor=actor, assign=bool(assign_to), assignee=assignee, status=status
    )
    message = _("%(n)s requests changed.") % {"n": len(chosen) - len(skipped)}
    if skipped:
        message += " " + _("Not changed (the status does not allow it): %(refs)s") % {
            "refs": ", ".join(skipped)
        }
    request.session["flash"] = message
    return redirect(f"{reverse('backoffice:queue')}?{request.POST.get('query', '')}")


@require_GET
@staff_view(Permission.EXPORT_CSV)
def export_csv(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    _form, cases = filtered(request, council, membership)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{council.slug}-requests.csv"'
    writer = csv_writer(response)
    writer.writerow(
        [
            "reference",
            "service",
            "status",
            "reported",
            "due",
            "team",
            "ward",
            "street",
            "postcode",
            "uprn",
            "assigned_to",
            "channel",
        ]
    )
    count = 0
    for case in cases.iterator(chunk_size=1000):
        writer.writerow(
            [
                case.reference,
                case.service.name,
                case.get_status_display(),
                timezone.localtime(case.created_at).isoformat(timespec="minutes"),
                timezone.localtime(case.due_at).isoformat(timespec="minutes")
                if case.due_at
                else "",
                case.team.name if case.team else "",
                case.ward.name if case.ward else "",
                case.street,
                case.postcode,
                case.uprn or "",
                case.assignee.get_username() if case.assignee else "",
                case.channel,
            ]
        )
        count += 1
    audit_record(
        council=council,
        user=request.user,
        action="export_csv",
        object_type="queue",
        object_ref=request.GET.urlencode()[:100],
        request=request,
        detail={"rows": count},
    )
    return response


@require_GET
@staff_view(Permission.VIEW_CASES)
def search(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    form = SearchForm(request.GET or None)
    results: list[Case] | None = None
    people = None
    if form.is_bound and form.is_valid() and form.cleaned_data["q"]:
        text = form.cleaned_data["q"]
        exact = case_for_staff(membership=membership, reference=text)
        if exact is not None:
            return redirect("backoffice:case", reference=exact.reference)
        try:
            elsewhere = access_received_case_for_staff(membership=membership, reference=text)
        except CaseNotFound:
            pass
        else:
            return redirect("backoffice:received_case", reference=elsewhere.case.reference)
        results = case_search(membership=membership, text=text)
        people = people_search_if_allowed(membership=membership, text=text)
        audit_record(
            council=council,
            user=request.user,
            action="search",
            object_type="cases",
            object_ref=text[:100],
            request=request,
            detail={"results": len(results)},
        )
    return page(request, "search.html", {"form": form, "results": results, "people": people})


@require_GET
@staff_view(Permission.VIEW_CASES)
def received(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    """Two-tier areas: what residents reported here for services other councils handle."""
    return page(request, "received.html", {"cases": received_cases(membership=membership)})


@require_GET
@staff_view(Permission.VIEW_CASES)
def received_case(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    """One of those, read only: the handling council works it."""
    try:
        seen = access_received_case_for_staff(membership=membership, reference=reference)
    except CaseNotFound:
        raise Http404() from None
    if seen.case.reference != reference:
        return redirect("backoffice:received_case", reference=seen.case.reference)
    return page(
        request,
        "received_case.html",
        {
            "case": seen.case,
            "events": seen.timeline,
            "personal": seen.shows_personal_data,
            "answers": answer_rows(seen.case.form_service, seen.case.answers),
        },
    )
