"""Emails set aside: quarantined (suspected spam or forgery, a flooding sender) or that
could not be processed, each with its reason and the whole message to read."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from onecouncil.backoffice.http import page, staff_view
from onecouncil.core.actors import Actor
from onecouncil.core.audit import audit_record
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.inbox.intake import message_release
from onecouncil.inbox.store import attachment_of, message_for_staff, messages_set_aside


@require_GET
@staff_view(Permission.CHANGE_SERVICE)
def inbox_set_aside(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    return page(
        request, "inbox_set_aside.html", {"messages": messages_set_aside(council_id=council.pk)}
    )


@require_GET
@staff_view(Permission.VIEW_CASES)
def inbox_message_raw(
    request: HttpRequest, council: Council, membership: Membership, message_id: int
) -> HttpResponseBase:
    """The whole message as it arrived, as plain text to read (never rendered as HTML);
    reading it is recorded, as it holds personal data."""
    message = message_for_staff(membership=membership, message_id=message_id)
    if message is None:
        raise Http404()
    _recorded(request, council, "read_email", str(message.pk))
    response = HttpResponse(bytes(message.raw), content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
@staff_view(Permission.VIEW_CASES)
def inbox_attachment(
    request: HttpRequest, council: Council, membership: Membership, message_id: int, number: int
) -> HttpResponseBase:
    """One attachment of an email, as a download that is never opened in the browser
    (any type, unchecked: staff open it with their own, scanned, programs); each
    download is recorded."""
    message = message_for_staff(membership=membership, message_id=message_id)
    attachment = attachment_of(message, number) if message is not None else None
    if message is None or attachment is None:
        raise Http404()
    _recorded(request, council, "read_email", f"{message.pk} attachment {number}")
    response = HttpResponse(attachment.content, content_type="application/octet-stream")
    safe_name = "".join(c for c in attachment.name if c.isalnum() or c in "._- ")[:100]
    response["Content-Disposition"] = f'attachment; filename="{safe_name or "attachment"}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_POST
@staff_view(Permission.CHANGE_SERVICE)
def inbox_release(
    request: HttpRequest, council: Council, membership: Membership, message_id: int
) -> HttpResponseBase:
    """A quarantined email judged genuine becomes a request, acknowledged as usual."""
    name = Actor.from_request(request).label
    try:
        message = message_release(council=council, message_id=message_id, released_by=name)
    except ValidationError as error:
        request.session["flash_error"] = " ".join(error.messages)
        return redirect("backoffice:inbox_set_aside")
    assert message.case is not None
    _recorded(request, council, "release_email", str(message.pk))
    request.session["flash"] = _("The email is now request %(ref)s") % {
        "ref": message.case.reference
    }
    return redirect("backoffice:case", reference=message.case.reference)


def _recorded(request: HttpRequest, council: Council, action: str, what: str) -> None:
    """Every read or release of an email goes in the audit trail (it holds personal data)."""
    audit_record(
        council=council,
        user=request.user,
        action=action,
        object_type="email",
        object_ref=what,
        request=request,
    )
