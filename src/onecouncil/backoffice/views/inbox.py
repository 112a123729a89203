"""Emails set aside: quarantined (suspected spam or forgery, a flooding sender) or that
could not be processed, each with its reason and the whole message to read."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.http import require_GET

from onecouncil.backoffice.http import page, staff_view
from onecouncil.core.audit import audit_record
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.inbox.store import message_set_aside, messages_set_aside


@require_GET
@staff_view(Permission.CHANGE_SERVICE)
def inbox_set_aside(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    return page(
        request, "inbox_set_aside.html", {"messages": messages_set_aside(council_id=council.pk)}
    )


@require_GET
@staff_view(Permission.CHANGE_SERVICE)
def inbox_message_raw(
    request: HttpRequest, council: Council, membership: Membership, message_id: int
) -> HttpResponseBase:
    """The whole message as it arrived, as plain text to read (never rendered as HTML);
    reading it is recorded, as it holds personal data."""
    message = message_set_aside(council_id=council.pk, message_id=message_id)
    if message is None:
        raise Http404()
    audit_record(
        council=council,
        user=request.user,
        action="read_email",
        object_type="email",
        object_ref=str(message.pk),
        request=request,
    )
    response = HttpResponse(bytes(message.raw), content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
