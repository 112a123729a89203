"""The case page's actions: each view parses the form, calls one action of
``cases.actions`` (which checks its own permission) and returns to the case."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onecouncil.backoffice.forms import MoveServiceForm
from onecouncil.backoffice.http import act, action_failed, case_or_404, staff_view
from onecouncil.cases.access import (
    case_for_staff,
    may_see_personal_data,
    response_template_for_staff,
)
from onecouncil.cases.actions import (
    case_add_note,
    case_add_photo,
    case_add_update,
    case_assign,
    case_change_service,
    case_change_status,
    case_hide_description,
    case_mark_duplicate,
    case_publish_description,
    case_send_message,
    case_show_photos,
)
from onecouncil.cases.models import Status
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council, Membership
from onecouncil.core.references import parse_id
from onecouncil.sendon.services import sending_resend, sending_take_back


@require_POST
@staff_view(case_assign)
def case_assign_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = case_or_404(membership, reference)
    value = request.POST.get("assignee", "")
    assignee = None
    if value:
        assignee = get_user_model().objects.filter(pk=parse_id(value) or 0).first()
        if assignee is None:
            return action_failed(request, case, [_("Choose someone from the list")], "id_assignee")
    return act(
        request,
        case,
        "id_assignee",
        _("Assignment saved"),
        lambda: case_assign(case=case, assignee=assignee, actor=Actor.from_request(request)),
    )


@require_POST
@staff_view(case_change_service)
def case_service_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    """Move the request to another of its council's services (the model learns from it)."""
    case = case_or_404(membership, reference)
    form = MoveServiceForm(request.POST, council=case.service.council)
    if not form.is_valid():
        messages = [str(m) for errors in form.errors.values() for m in errors]
        return action_failed(request, case, messages, "id_service")
    service = form.cleaned_data["service"]
    reason = form.cleaned_data["reason"]
    return act(
        request,
        case,
        "id_service",
        _("Moved to %(service)s") % {"service": service.name},
        lambda: case_change_service(
            case=case, service=service, actor=Actor.from_request(request), reason=reason
        ),
    )


@require_POST
@staff_view(case_change_status)
def case_status_view(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = case_or_404(membership, reference)
    status = request.POST.get("status", "")
    if status not in Status.values:
        return action_failed(request, case, [_("Choose the new status")], "id_status")
    return act(
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
    case = case_or_404(membership, reference)
    if request.POST.get("action") == "use-template":
        url = reverse("backoffice:case", args=[case.reference])
        return redirect(f"{url}?template={request.POST.get('template', '')}#update")
    message = request.POST.get("message", "")[:4000]
    template = response_template_for_staff(
        membership=membership, template_id=parse_id(request.POST.get("template", ""))
    )
    if request.POST.get("kind") == "message" or not case.service.is_public:
        return act(
            request,
            case,
            "id_message",
            _("Message sent to the resident"),
            lambda: case_send_message(
                case=case, message=message, actor=Actor.from_request(request)
            ),
        )
    return act(
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
    case = case_or_404(membership, reference)
    return act(
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
    case = case_or_404(membership, reference)
    return act(
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
    case = case_or_404(membership, reference)
    if not may_see_personal_data(membership, case):  # they cannot read what they'd publish
        raise Http404()
    actor = Actor.from_request(request)
    if request.POST.get("action") == "hide":
        return act(
            request,
            case,
            "description",
            _("Description hidden from the public"),
            lambda: case_hide_description(case=case, actor=actor),
        )
    return act(
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
    case = case_or_404(membership, reference)
    if not may_see_personal_data(membership, case):  # they cannot look at what they'd show
        raise Http404()
    shown = request.POST.get("shown") == "yes"
    return act(
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
    case = case_or_404(membership, reference)
    return act(
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
    case = case_or_404(membership, reference)
    original = case_for_staff(membership=membership, reference=request.POST.get("original", ""))
    if original is None:
        return action_failed(
            request, case, [_("There is no request with that reference")], "id_original"
        )
    return act(
        request,
        case,
        "id_original",
        _("Marked as a duplicate of %(ref)s") % {"ref": original.reference},
        lambda: case_mark_duplicate(
            case=case, original=original, actor=Actor.from_request(request)
        ),
    )


@require_POST
@staff_view(case_add_photo)
def case_photo_add(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    case = case_or_404(membership, reference)
    upload = request.FILES.get("photo")
    if upload is None:
        return action_failed(request, case, [_("Select a photo to upload")], "id_photo")
    return act(
        request,
        case,
        "id_photo",
        _("Photo added"),
        lambda: case_add_photo(case=case, upload=upload, actor=Actor.from_request(request)),
    )
