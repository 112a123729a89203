"""Staff web pages. Views are thin: every read goes through ``cases.staff`` (the one door
to cases for staff), every change through a service function in ``cases.services``."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import get_user_model, login, logout
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onecouncil.backoffice.duplicates import likely_duplicates_for_staff
from onecouncil.backoffice.forms import (
    AssignForm,
    AuditFilterForm,
    CallerForm,
    DuplicateForm,
    InviteForm,
    NoteForm,
    PersonForm,
    QueueFilterForm,
    SearchForm,
    SignInForm,
    StatusForm,
    UpdateForm,
    WelcomePasswordForm,
)
from onecouncil.cases.access import (
    CaseNotFound,
    QueueFilters,
    access_received_case_for_staff,
    account_for_staff,
    account_history,
    case_events_for_staff,
    case_followers_for_staff,
    case_for_staff,
    case_photos_for_staff,
    case_search,
    changes_for_audit,
    clock_for,
    may_see_personal_data,
    other_requests_of,
    photo_for_staff,
    queue_counts,
    received_cases,
    require,
    response_template_for_staff,
    response_templates_for_staff,
    staff_membership,
    staff_queue,
)
from onecouncil.cases.actions import (
    case_add_note,
    case_add_photo,
    case_add_update,
    case_assign,
    case_change_status,
    case_create,
    case_hide_description,
    case_mark_duplicate,
    case_publish_description,
    case_send_message,
    case_show_photos,
    cases_bulk_change,
    closure_reasons,
    permission_of,
    render_template,
)
from onecouncil.cases.inputs import (
    Contact,
    Location,
    NewRequest,
    Submitter,
    parse_place,
    validate_contact,
)
from onecouncil.cases.models import Case, Channel, Status, TemplateUse
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
from onecouncil.cases.workflow import allowed_next
from onecouncil.catalogue.answers import AnswersForm, code_of
from onecouncil.catalogue.models import Service
from onecouncil.catalogue.selectors import (
    groups_with_services,
    processing_records,
    service_for_resident,
    service_search,
)
from onecouncil.core.actors import Actor
from onecouncil.core.audit import audit_record, personal_data_read
from onecouncil.core.exports import csv_writer
from onecouncil.core.masking import personal_found
from onecouncil.core.models import AuditEntry, Council, Membership, Role
from onecouncil.core.permissions import Permission, role_has
from onecouncil.core.privacy import stores as privacy_stores
from onecouncil.core.references import parse_id
from onecouncil.core.signin import STAFF_SESSION_SECONDS, Throttled, signin_attempt
from onecouncil.residents.postcodes import normalise_postcode
from onecouncil.residents.selectors import addresses_for_postcode
from onecouncil.sendon.sendings import sendings_for_staff
from onecouncil.sendon.services import sending_resend, sending_take_back
from onecouncil.staffing.services import (
    StaffInviteError,
    invited_user,
    staff_invite,
    staff_of,
    staff_password_set,
    staff_two_factor_reset,
)
from onecouncil.web.forms import answer_rows, errors_from
from onecouncil.web.maps import allow_map_tiles, map_settings
from onecouncil.web.templatetags.govuk import error_list

View = Callable[..., HttpResponseBase]
PAGE_SIZE = 50


def _council(request: HttpRequest) -> Council:
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
            council = _council(request)
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


# --- Signing in ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponseBase:
    council = _council(request)
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


# --- Queues ----------------------------------------------------------------------------


def _filtered(
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


def _staff_choices(council: Council) -> list[tuple[str, str]]:
    members = (
        Membership.objects.filter(council=council)
        .exclude(role=Role.COUNCILLOR)
        .select_related("user")
        .order_by("user__username")
    )
    return [(str(m.user_id), m.user.get_full_name() or m.user.get_username()) for m in members]


@require_GET
@staff_view(Permission.VIEW_CASES)
def queue(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    form, cases = _filtered(request, council, membership)
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
            "staff": _staff_choices(council),
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
    _form, cases = _filtered(request, council, membership)
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
        audit_record(
            council=council,
            user=request.user,
            action="search",
            object_type="cases",
            object_ref=text[:100],
            request=request,
            detail={"results": len(results)},
        )
    return page(request, "search.html", {"form": form, "results": results})


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


# --- The case view ---------------------------------------------------------------------


def _case_or_404(membership: Membership, reference: str) -> Case:
    case = case_for_staff(membership=membership, reference=reference)
    if case is None:
        raise Http404()
    return case


def _case_forms(
    request: HttpRequest, council: Council, membership: Membership, case: Case
) -> dict[str, Any]:
    assign = AssignForm(initial={"assignee": case.assignee_id or ""})
    assign.fields["assignee"].choices = [("", _("Nobody")), *_staff_choices(council)]  # type: ignore[attr-defined]  # django-stubs types form fields without choices; this is a ChoiceField
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
    case = _case_or_404(membership, reference)
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
            "others": other_requests_of(membership=membership, case=case) if personal else [],
            "likely_duplicates": likely_duplicates_for_staff(membership=membership, case=case),
            "description_holds": personal_found(case.description) if personal else [],
            "followers": case_followers_for_staff(membership=membership, case=case),
            "sendings": sendings_for_staff(membership=membership, case=case),
            "due_overdue": case.is_overdue(timezone.now()),
            "change_rows": [(k, v) for k, v in case.change_details.items() if isinstance(v, dict)],
            "change_effective": _iso_date(case.change_details.get("effective_date")),
            "errors": request.session.pop("case_errors", []),
        },
    )


def _iso_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def _after_action(request: HttpRequest, case: Case, done: str) -> HttpResponseBase:
    request.session["flash"] = done
    return redirect("backoffice:case", reference=case.reference)


def _action_failed(
    request: HttpRequest, case: Case, messages: list[str], anchor: str
) -> HttpResponseBase:
    request.session["case_errors"] = [{"href": f"#{anchor}", "text": m} for m in messages]
    return redirect(reverse("backoffice:case", args=[case.reference]) + f"#{anchor}")


def _act(
    request: HttpRequest, case: Case, anchor: str, done: str, action: Callable[[], object]
) -> HttpResponseBase:
    """Run one case action: back to the case with a banner, or with the errors at ``anchor``."""
    try:
        action()
    except ValidationError as exc:  # WorkflowError, or a photo that is not one
        return _action_failed(request, case, exc.messages, anchor)
    return _after_action(request, case, done)


@require_POST
@staff_view(case_assign)
def case_assign_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = _case_or_404(membership, reference)
    value = request.POST.get("assignee", "")
    assignee = None
    if value:
        assignee = get_user_model().objects.filter(pk=parse_id(value) or 0).first()
        if assignee is None:
            return _action_failed(request, case, [_("Choose someone from the list")], "id_assignee")
    return _act(
        request,
        case,
        "id_assignee",
        _("Assignment saved"),
        lambda: case_assign(case=case, assignee=assignee, actor=Actor.from_request(request)),
    )


@require_POST
@staff_view(case_change_status)
def case_status_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = _case_or_404(membership, reference)
    status = request.POST.get("status", "")
    if status not in Status.values:
        return _action_failed(request, case, [_("Choose the new status")], "id_status")
    return _act(
        request,
        case,
        "id_status",
        _("Status changed and the resident told"),
        lambda: case_change_status(
            case=case,
            status=status,
            closure_reason=request.POST.get("closure_reason", ""),
            message=request.POST.get("message", "")[:2000],
            actor=Actor.from_request(request),
        ),
    )


@require_POST
@staff_view(case_add_update)
def case_update_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = _case_or_404(membership, reference)
    if request.POST.get("action") == "use-template":
        url = reverse("backoffice:case", args=[case.reference])
        return redirect(f"{url}?template={request.POST.get('template', '')}#update")
    message = request.POST.get("message", "")[:4000]
    template = response_template_for_staff(
        membership=membership, template_id=parse_id(request.POST.get("template", ""))
    )
    if request.POST.get("kind") == "message" or not case.service.is_public:
        return _act(
            request,
            case,
            "id_message",
            _("Message sent to the resident"),
            lambda: case_send_message(
                case=case, message=message, actor=Actor.from_request(request)
            ),
        )
    return _act(
        request,
        case,
        "id_message",
        _("Update published and sent"),
        lambda: case_add_update(
            case=case, message=message, actor=Actor.from_request(request), template=template
        ),
    )


@require_POST
@staff_view(sending_resend)
def case_send_again_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = _case_or_404(membership, reference)
    return _act(
        request,
        case,
        "sent-on",
        _("It will be sent again in a moment"),
        lambda: sending_resend(case=case, actor=Actor.from_request(request)),
    )


@require_POST
@staff_view(sending_take_back)
def case_take_back_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = _case_or_404(membership, reference)
    return _act(
        request,
        case,
        "sent-on",
        _("Taken back: this request is handled here from now on"),
        lambda: sending_take_back(case=case, actor=Actor.from_request(request)),
    )


@require_POST
@staff_view(case_publish_description)
def case_publish_description_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = _case_or_404(membership, reference)
    if not may_see_personal_data(membership, case):  # they cannot read what they'd publish
        raise Http404()
    actor = Actor.from_request(request)
    if request.POST.get("action") == "hide":
        return _act(
            request,
            case,
            "description",
            _("Description hidden from the public"),
            lambda: case_hide_description(case=case, actor=actor),
        )
    return _act(
        request,
        case,
        "will-be-public",
        _("Description published"),
        lambda: case_publish_description(
            case=case, actor=actor, text=request.POST.get("text", case.description)[:4000]
        ),
    )


@require_POST
@staff_view(case_show_photos)
def case_photos_public_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    """Show a public request's photos on its public page, or hide them again."""
    case = _case_or_404(membership, reference)
    if not may_see_personal_data(membership, case):  # they cannot look at what they'd show
        raise Http404()
    shown = request.POST.get("shown") == "yes"
    return _act(
        request,
        case,
        "photos-public",
        _("Photos shown on the public page") if shown else _("Photos hidden from the public"),
        lambda: case_show_photos(case=case, actor=Actor.from_request(request), shown=shown),
    )


@require_POST
@staff_view(case_add_note)
def case_note_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = _case_or_404(membership, reference)
    return _act(
        request,
        case,
        "id_note",
        _("Note added"),
        lambda: case_add_note(
            case=case,
            message=request.POST.get("message", "")[:4000],
            actor=Actor.from_request(request),
        ),
    )


@require_POST
@staff_view(case_mark_duplicate)
def case_duplicate_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = _case_or_404(membership, reference)
    original = case_for_staff(membership=membership, reference=request.POST.get("original", ""))
    if original is None:
        return _action_failed(
            request, case, [_("There is no request with that reference")], "id_original"
        )
    return _act(
        request,
        case,
        "id_original",
        _("Marked as a duplicate of %(ref)s") % {"ref": original.reference},
        lambda: case_mark_duplicate(
            case=case, original=original, actor=Actor.from_request(request)
        ),
    )


# --- The assisted channel ------------------------------------------------------------


@require_GET
@staff_view(case_create)
def assisted_start(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    query = request.GET.get("q", "").strip()[:200]
    results = service_search(council=council, text=query) if query else None
    # "Another request for this caller": their details come with them to the next form.
    caller = case_for_staff(membership=membership, reference=request.GET.get("use", "")[:40])
    return page(
        request,
        "assisted_start.html",
        {
            "groups": groups_with_services(council=council),
            "query": query,
            "results": results,
            "caller": caller,
        },
    )


@require_GET
@staff_view(case_create)
def assisted_made(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    """The last page of the assisted channel: the reference to read to the caller, the
    target date and what happens next."""
    case = _case_or_404(membership, reference)
    return page(request, "assisted_made.html", {"case": case})


def _caller_matches(membership: Membership, text: str) -> list[Case]:
    """People the adviser may be talking to: earlier requests by name, email, phone or
    postcode, newest first, one per contact."""
    seen: set[tuple[str, str, str]] = set()
    people: list[Case] = []
    for case in case_search(membership=membership, text=text, limit=200):
        key = (case.contact_name.lower(), case.contact_email.lower(), case.phone_key)
        if case.is_anonymous or key in seen:
            continue
        seen.add(key)
        people.append(case)
    return people[:20]


def _assisted_create(
    request: HttpRequest,
    council: Council,
    service: Service,
    answers: AnswersForm,
    caller: CallerForm,
    key: uuid.UUID,
) -> Case | None:
    """Make the caller's request through the same parsers and writer as every channel;
    None, with every error on the forms, when something needs fixing."""
    answers_ok = answers.is_valid()
    if not caller.is_valid():
        return None
    c = caller.cleaned_data
    domain_errors: dict[str, list[str]] = {}
    location = Location()
    if service.location_required:
        try:
            location = parse_place(
                council=council,
                service=service,
                uprn=c["uprn"],
                street=c["street"],
                description=c["description"],
                latitude=c["latitude"] or None,
                longitude=c["longitude"] or None,
            )
        except ValidationError as exc:
            domain_errors.update(exc.message_dict)
    contact = Contact(
        name=c["name"],
        email=c["email"],
        phone=c["phone"],
        anonymous=c["anonymous"],
        updates_by_sms=c["updates_by_sms"],
    )
    domain_errors.update(validate_contact(service, contact))
    if not domain_errors and answers_ok:
        try:
            return case_create(
                council=council,
                request=NewRequest(
                    service=service,
                    answers=answers.stored_answers(),
                    location=location,
                    contact=contact,
                    channel=Channel(c["channel"]),
                    submission_key=key,
                    submitter=Submitter(actor=Actor.from_request(request)),
                ),
            ).case
        except ValidationError as exc:
            domain_errors = exc.message_dict
    if "location" in domain_errors:
        domain_errors["street"] = domain_errors.pop("location")
    answer_errors = {
        code: domain_errors.pop(key)
        for key in list(domain_errors)
        if (code := code_of(key)) is not None
    }
    errors_from(caller, domain_errors)
    if answers_ok:
        errors_from(answers, answer_errors)
    return None


def _submission_key(given: str) -> uuid.UUID:
    """The form's key for one submission; a missing or mangled one starts afresh."""
    try:
        return uuid.UUID(given)
    except ValueError:
        return uuid.uuid4()


@require_http_methods(["GET", "POST"])
@staff_view(case_create)
def assisted_report(
    request: HttpRequest, council: Council, membership: Membership, code: str
) -> HttpResponseBase:
    service = service_for_resident(council=council, code=code)
    if service is None:
        raise Http404()
    find = request.GET.get("find", "").strip()
    matches = _caller_matches(membership, find) if find else None
    prefill: dict[str, Any] = {"channel": Channel.PHONE}
    if request.GET.get("use"):
        chosen = case_for_staff(membership=membership, reference=request.GET["use"])
        if chosen is not None:
            prefill.update(
                name=chosen.contact_name,
                email=chosen.contact_email,
                phone=chosen.contact_phone,
                postcode=chosen.postcode,
                uprn=str(chosen.uprn or ""),
            )
    answers = AnswersForm(request.POST or None, service=service)
    caller = CallerForm(request.POST or None, initial=prefill)
    key = _submission_key(request.POST.get("submission_key", ""))
    if request.method == "POST" and request.POST.get("action") != "find-address":
        made = _assisted_create(request, council, service, answers, caller, key)
        if made is not None:
            return redirect("backoffice:assisted_made", reference=made.reference)
    elif request.method == "POST":
        # Finding an address: keep what was typed, show no errors yet.
        answers = answers.as_typed()
        caller = CallerForm(initial=request.POST.dict())
    postcode = (request.POST.get("postcode") if request.method == "POST" else None) or (
        prefill.get("postcode", "")
    )
    addresses = []
    if postcode:
        try:
            addresses = addresses_for_postcode(
                council=council, postcode=normalise_postcode(str(postcode))
            )
        except ValidationError:
            caller.add_error(
                "postcode", _("Enter a real postcode, like RB1 1AA")
            ) if caller.is_bound else None
    # The same map and pin residents have on their place step.
    the_map = map_settings(council) if service.location_required else None
    response = page(
        request,
        "assisted_report.html",
        {
            "service": service,
            "answers": answers,
            "caller": caller,
            "matches": matches,
            "find": find,
            "addresses": addresses,
            "submission_key": key,
            "map": the_map,
            "chosen_uprn": str(caller["uprn"].value() or prefill.get("uprn", "")),
            "errors": error_list(caller, answers),
        },
    )
    allow_map_tiles(response, the_map)
    return response


# --- Audit ---------------------------------------------------------------------------


@require_GET
@staff_view(Permission.VIEW_AUDIT)
def audit(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    form = AuditFilterForm(request.GET)
    valid = form.is_valid()
    who = form.cleaned_data.get("who", "") if valid else ""
    what = form.cleaned_data.get("what", "") if valid else ""
    entries = AuditEntry.objects.filter(council=council).select_related("user")
    if who:
        entries = entries.filter(user_label__icontains=who)
    if what:
        entries = entries.filter(object_ref__icontains=what)
    changes = changes_for_audit(membership=membership, who=who, reference=what)
    return page(
        request,
        "audit.html",
        {
            "form": form,
            "errors": error_list(form),
            "entries": Paginator(entries, 100).get_page(request.GET.get("page")),
            "changes": changes,
        },
        status=200 if valid else 400,
    )


@require_GET
def home(request: HttpRequest) -> HttpResponseBase:
    return redirect("backoffice:queue")


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


@require_POST
@staff_view(case_add_photo)
def case_photo_add(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = _case_or_404(membership, reference)
    upload = request.FILES.get("photo")
    if upload is None:
        return _action_failed(request, case, [_("Select a photo to upload")], "id_photo")
    return _act(
        request,
        case,
        "id_photo",
        _("Photo added"),
        lambda: case_add_photo(case=case, upload=upload, actor=Actor.from_request(request)),
    )


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
        },
    )


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
    council = _council(request)
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
    case = _case_or_404(membership, reference)
    reason = request.POST.get("reason", "")[:300]
    if request.POST.get("action") == "place" and not reason.strip():
        return _action_failed(request, case, [_("Give the reason for the legal hold")], "id_hold")
    legal_hold_set(
        case=case, reason=reason if request.POST.get("action") == "place" else "", user=request.user
    )
    return _after_action(
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
