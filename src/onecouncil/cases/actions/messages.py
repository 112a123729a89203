"""Words about a request: public updates, messages to the reporter, internal notes, the
published description, and what API clients and systems say."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.actions._common import (
    WorkflowError,
    locked,
    names_the_reporter,
    public_words_refused,
    staff_action,
)
from onecouncil.cases.actions.contact import case_reporter_reachable
from onecouncil.cases.actions.notifications import due_date_text, notify_update, publish
from onecouncil.cases.actions.photos import client_photos
from onecouncil.cases.actions.workflow import case_change_status, closure_reasons
from onecouncil.cases.events import event_append
from onecouncil.cases.models import (
    Case,
    CaseEvent,
    EventKind,
    ResponseTemplate,
    Status,
    TemplateUse,
    template_fill,
)
from onecouncil.core.actors import Actor
from onecouncil.core.permissions import Permission


@staff_action(Permission.PUBLIC_UPDATE)
@transaction.atomic
def case_add_update(
    *, case: Case, message: str, actor: Actor, template: ResponseTemplate | None = None
) -> Case:
    """A public update: on the tracking page, and sent to the reporter and followers.
    Only a public service's requests have public updates; write to the reporter of a
    private one with ``case_send_message``. A message template (it may name the reporter)
    is never sent as a public update, and nor is text holding the reporter's name, email
    or phone."""
    if not case.service.is_public:
        raise WorkflowError(
            _("This is a private request, so it has no public updates: send a message instead")
        )
    if not message.strip():
        raise WorkflowError(_("Enter the update"))
    if template is not None and template.use == TemplateUse.MESSAGE:
        raise WorkflowError(
            _(
                "“%(template)s” is a template for private messages: send it as a private "
                "message, or write a public update without it"
            )
            % {"template": template.name}
        )
    if names_the_reporter(case, message):
        raise WorkflowError(
            _(
                "This update holds the name or contact details of the person who made the "
                "request, and anyone can read public updates: send it as a private message"
            )
        )
    case = locked(case)
    case.save(update_fields=["updated_at"])
    event_append(
        case=case,
        kind=EventKind.PUBLIC_UPDATE,
        is_public=True,
        actor=actor,
        message=message.strip(),
    )
    notify_update(case, message=message.strip())
    publish(case, "updated", message.strip())
    return case


@staff_action(Permission.PUBLIC_UPDATE)
@transaction.atomic
def case_send_message(*, case: Case, message: str, actor: Actor) -> Case:
    """A private message to the person who made the request, and nobody else: on their
    private page and account, and sent to them as they chose. Never public, never sent to
    followers or webhooks."""
    if not message.strip():
        raise WorkflowError(_("Enter the message"))
    if not case_reporter_reachable(case):
        raise WorkflowError(
            _(
                "The person who made this request left no way to reach them, so no message "
                "can be sent"
            )
        )
    case = locked(case)
    case.save(update_fields=["updated_at"])
    event_append(
        case=case, kind=EventKind.MESSAGE, is_public=False, actor=actor, message=message.strip()
    )
    notify_update(case, message=message.strip(), followers=False)
    return case


@staff_action(Permission.PUBLIC_UPDATE)
@transaction.atomic
def case_publish_description(*, case: Case, actor: Actor, text: str | None = None) -> Case:
    """A member of staff has read the free text an API client or a caller gave and shows
    it on the public page and in public feeds: as it is, or redacted (``text``, their
    edited copy). Publishing again replaces the public words (a later redaction)."""
    if not case.service.is_public:
        raise WorkflowError(_("This is a private request: nothing about it is public"))
    if not case.description:
        raise WorkflowError(_("This request has no description to publish"))
    words = (case.description if text is None else text).strip()[:4000]
    if not words:
        raise WorkflowError(_("Enter the words to publish, or hide the description instead"))
    refused = public_words_refused(case, words)
    if refused:
        raise WorkflowError(refused)
    case = locked(case)
    if case.description_published_at is not None and case.public_description == words:
        return case
    redacted = words != case.description.strip()
    case.description_published_at = timezone.now()
    case.public_description = words
    case.save(update_fields=["description_published_at", "public_description", "updated_at"])
    event_append(
        case=case,
        kind=EventKind.DESCRIPTION_PUBLISHED,
        is_public=False,
        actor=actor,
        message=_("Published with some words taken out") if redacted else "",
        data={"redacted": redacted},
    )
    return case


@staff_action(Permission.PUBLIC_UPDATE)
@transaction.atomic
def case_hide_description(*, case: Case, actor: Actor) -> Case:
    """Take the description off the public page and feeds again (audited as an event)."""
    case = locked(case)
    if case.description_published_at is None:
        return case
    case.description_published_at = None
    case.public_description = ""
    case.save(update_fields=["description_published_at", "public_description", "updated_at"])
    event_append(
        case=case,
        kind=EventKind.NOTE,
        is_public=False,
        actor=actor,
        message=_("Description hidden from the public"),
        data={"description_hidden": True},
    )
    return case


@transaction.atomic
def case_client_update(
    *,
    case: Case,
    message: str,
    reopen: bool,
    actor: Actor,
    data: dict[str, Any],
    uploads: Sequence[tuple[str, UploadedFile]] = (),
) -> CaseEvent:
    """An update from an API client (FixMyStreet's extension): the words are recorded for
    staff only (they may hold the resident's details); asking to reopen a closed request
    reopens it publicly. The status the client sent, if any (``data["client_status"]``),
    is written under its words for staff. Photos sent with it (``uploads``: the field
    each came in, and the file) are checked and stored by the one photo writer, with its
    limits, and attached to the request; a bad one refuses the whole update
    (``ValidationError`` keyed by its field). Returns the event the update became."""
    case = locked(case)
    photos = client_photos(case.council, uploads)
    for photo in photos:
        photo.case = case
        photo.save(update_fields=["case"])
    if photos:
        data = {**data, "photo_ids": [p.pk for p in photos]}
    if (data or {}).get("client_status"):
        message += "\n\n" + _("Status sent by %(client)s: %(status)s") % {
            "client": actor.label,
            "status": data["client_status"],
        }
    note = event_append(
        case=case, kind=EventKind.NOTE, is_public=False, actor=actor, message=message, data=data
    )
    if not reopen or case.is_open:
        return note
    closure_reasons(case.council)
    case_change_status(
        case=case,
        status=Status.REOPENED,
        actor=actor,
        message=_("Someone told us this is not sorted, so we have reopened it."),
    )
    return CaseEvent.objects.filter(case=case).order_by("-id").first() or note


@staff_action(Permission.INTERNAL_NOTE)
@transaction.atomic
def case_add_note(*, case: Case, message: str, actor: Actor) -> Case:
    """An internal note: staff only, never sent or shown to residents."""
    if not message.strip():
        raise WorkflowError(_("Enter the note"))
    case = locked(case)
    event_append(
        case=case, kind=EventKind.NOTE, is_public=False, actor=actor, message=message.strip()
    )
    return case


def render_template(template: ResponseTemplate, case: Case) -> str:
    """The template's words for this request. The reporter's name goes only into a private
    message (a public update's template may not use it, see ``ResponseTemplate.clean``)."""
    values = {
        "reference": case.reference,
        "service": case.service.name,
        "council": case.council.name,
        "due_date": due_date_text(case),
    }
    if template.use == TemplateUse.MESSAGE:
        values["name"] = case.contact_name or str(_("resident"))
    return template_fill(template.body, values)


ADAPTER_EVENT_KINDS = frozenset({EventKind.NOTE, EventKind.SENT_ON, EventKind.TAKEN_BACK})


@staff_action(Permission.INTERNAL_NOTE)
@transaction.atomic
def case_record_internal(
    *,
    case: Case,
    kind: EventKind,
    message: str,
    actor: Actor,
    data: dict[str, Any] | None = None,
) -> None:
    """An internal line on a request's timeline from an adapter or worker (what happened
    when it was sent on, what another system said): never public, and only of the kinds
    adapters write (``ADAPTER_EVENT_KINDS``). Staff actors need ``INTERNAL_NOTE``."""
    if kind not in ADAPTER_EVENT_KINDS:
        raise ValueError(f"{kind} is not an adapter's event")
    event_append(case=case, kind=kind, is_public=False, actor=actor, message=message, data=data)
