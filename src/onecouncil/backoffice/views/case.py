"""The staff case page, its photos, and the single view of a resident."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from onecouncil.backoffice.duplicates import likely_duplicates_for_staff
from onecouncil.backoffice.forms import (
    AssignForm,
    DuplicateForm,
    NoteForm,
    StatusForm,
    UpdateForm,
)
from onecouncil.backoffice.http import case_or_404, iso_date, page, staff_choices, staff_view
from onecouncil.cases.access import (
    account_for_staff,
    account_history,
    case_events_for_staff,
    case_followers_for_staff,
    case_photos_for_staff,
    may_see_personal_data,
    other_requests_of,
    photo_for_staff,
    response_template_for_staff,
    response_templates_for_staff,
)
from onecouncil.cases.actions import (
    case_change_service,
    closure_reasons,
    may,
    render_template,
)
from onecouncil.cases.models import Case, TemplateUse
from onecouncil.cases.workflow import allowed_next
from onecouncil.catalogue.selectors import services_to_route_to
from onecouncil.core.audit import audit_record
from onecouncil.core.masking import personal_found
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.core.references import parse_id
from onecouncil.inbox.store import emails_of_case
from onecouncil.linkage.models import RecordKind
from onecouncil.linkage.single_view import single_view_allowed, single_view_link
from onecouncil.sendon.sendings import sendings_for_staff
from onecouncil.web.forms import answer_rows


def _case_forms(
    request: HttpRequest, council: Council, membership: Membership, case: Case
) -> dict[str, Any]:
    assign = AssignForm(initial={"assignee": case.assignee_id or ""})
    assign.fields["assignee"].choices = [("", _("Nobody")), *staff_choices(council)]  # type: ignore[attr-defined]  # django-stubs types form fields without choices; this is a ChoiceField
    status = StatusForm()
    status.fields["status"].choices = [  # type: ignore[attr-defined]  # django-stubs types form fields without choices; this is a ChoiceField
        (s.value, s.label) for s in allowed_next(case.status, case.service.pattern)
    ]
    status.fields["closure_reason"].choices = [("", _("Choose a reason"))] + [  # type: ignore[attr-defined]  # django-stubs types form fields without choices; this is a ChoiceField
        (r.code, r.label) for r in closure_reasons(council)
    ]
    templates = response_templates_for_staff(membership=membership, case=case)
    update = UpdateForm()
    update.fields["template"].choices = [("", _("No template"))] + [  # type: ignore[attr-defined]  # django-stubs types form fields without choices; this is a ChoiceField
        (str(t.pk), t.name) for t in templates
    ]
    return {
        "assign_form": assign,
        "status_form": status,
        "update_form": update,
        "note_form": NoteForm(),
        "duplicate_form": DuplicateForm(),
    }


@require_GET
@staff_view(Permission.VIEW_CASES)
def case_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = case_or_404(membership, reference)
    if case.reference != reference:
        return redirect("backoffice:case", reference=case.reference)
    personal = may_see_personal_data(membership, case)
    events = case_events_for_staff(membership=membership, case=case, newest_first=True)
    if not personal:  # reads of personal data are recorded by the access functions
        audit_record(
            council=council,
            user=request.user,
            action="view_case",
            object_type="case",
            object_ref=case.reference,
            request=request,
        )
    context = _case_forms(request, council, membership, case)
    template_id = request.GET.get("template", "")
    chosen = response_template_for_staff(membership=membership, template_id=parse_id(template_id))
    if chosen is not None:
        context["update_form"].initial = {
            "template": str(chosen.pk),
            "message": render_template(chosen, case),
            "kind": "message" if chosen.use == TemplateUse.MESSAGE else "public",
        }
    return page(
        request,
        "case.html",
        {
            **context,
            "case": case,
            "personal": personal,
            "answers": answer_rows(case.form_service, case.answers),
            "events": events,
            "notes": [e for e in events if not e.is_public],
            "photos": case_photos_for_staff(membership=membership, case=case),
            "emails": emails_of_case(case_id=case.pk) if personal else [],
            "others": other_requests_of(membership=membership, case=case) if personal else [],
            # Resolved when followed (``single_view_of_request``): no query here.
            "single_view_offered": personal and single_view_allowed(membership),
            "likely_duplicates": likely_duplicates_for_staff(membership=membership, case=case),
            "description_holds": personal_found(case.description) if personal else [],
            "followers": case_followers_for_staff(membership=membership, case=case),
            "sendings": sendings_for_staff(membership=membership, case=case),
            "due_overdue": case.is_overdue(timezone.now()),
            "change_rows": [
                (k, v)
                for k, v in case.change_details.items()
                if isinstance(v, dict) and k != "system"
            ],
            "change_system": case.change_details.get("system"),
            "change_effective": iso_date(case.change_details.get("effective_date")),
            "errors": request.session.pop("case_errors", []),
            **_moving(membership, case),
        },
    )


def _moving(membership: Membership, case: Case) -> dict[str, object]:
    """The services a request may move to (the triage queue shows the model's
    suggestions; the case page stays within its query budget)."""
    if not may(membership, case_change_service):
        return {}
    # The service's council (the one handling it, for a two-tier service), which is
    # usually the member's own and already read.
    council = (
        membership.council
        if case.service.council_id == membership.council_id
        else case.service.council
    )
    return {
        "move_to": services_to_route_to(council=council).exclude(pk=case.service_id),
    }


@require_GET
@staff_view(Permission.VIEW_CASES)
def case_photo(
    request: HttpRequest, council: Council, membership: Membership, reference: str, photo_id: int
) -> HttpResponseBase:
    photo = photo_for_staff(membership=membership, reference=reference, photo_id=photo_id)
    if photo is None:
        raise Http404()
    response = FileResponse(photo.image.open("rb"), content_type=photo.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@staff_view(Permission.VIEW_PERSONAL_DATA)
def resident(
    request: HttpRequest, council: Council, membership: Membership, account_id: int
) -> HttpResponseBase:
    """A signed-up resident's profile and history (``account_for_staff`` records the read)."""
    account = account_for_staff(membership=membership, account_id=account_id)
    if account is None:
        raise Http404()
    return page(
        request,
        "resident.html",
        {
            "account": account,
            "history": account_history(account),
            "changes": list(account.change_reports.all()[:20]),
            "single_view_person": single_view_link(
                membership=membership,
                kind=RecordKind.ACCOUNT,
                ref_id=account.pk,
                known_person_id=account.person_id,
            ),
        },
    )
