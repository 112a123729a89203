"""Turning one email into what it is: a new request (into the council's triage service,
channel "email", the sender as its contact, who gets the usual acknowledgement with the
reference and private link), a reply that adds to the sender's own request, or nothing
(automatic mail, suspected spam, too many from one sender, unreadable), always keeping
the whole message first. Like ``api/open311/intake.py``, its only job is translation:
from the channel's words to the front's writer.

A message is processed once: its Message-ID (or a hash of it) is unique per council, and
the request it makes has a submission key derived from it, so a worker killed mid-way
and run again finds what it did.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.access import case_for_public
from onecouncil.cases.actions import case_add_note, case_create, photo_add
from onecouncil.cases.inputs import Contact, Location, NewRequest, Submitter, parse_place
from onecouncil.cases.models import Case, Channel
from onecouncil.catalogue.models import Service
from onecouncil.catalogue.selectors import triage_service
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council
from onecouncil.core.references import ReferenceError, parse_reference
from onecouncil.inbox.models import InboundMessage, MessageStatus
from onecouncil.inbox.parse import Attachment, Mail, UnreadableMail, read_mail
from onecouncil.notify.backends import reference_replied_to
from onecouncil.residents.selectors import place_in_text

DESCRIPTION_QUESTION = "description"
SMALLEST_PHOTO_BYTES = 4096  # smaller images are signatures' logos and icons
Note = tuple[str, dict[str, Any]]  # words for staff, and what they are about
_KEYS = uuid.UUID("6f1d7c2e-8a44-4b8e-9a53-0c9a1e2b7d10")  # namespace for submission keys


_CANDIDATE = re.compile(r"[A-Za-z]{2,6}[- ]?[0-9A-Za-z]{4}[- ]?[0-9A-Za-z]{4}")


def _reference_in(council: Council, subject: str) -> str:
    for candidate in _CANDIDATE.findall(subject):
        try:
            return str(parse_reference(candidate, prefix=council.reference_prefix))
        except ReferenceError:
            continue
    return ""


def message_take(*, council: Council, raw: bytes) -> InboundMessage:
    """Store ``raw`` and act on it, once. Returns the stored message."""
    if len(raw) > settings.INBOX_MAX_BYTES:
        return _keep(council, raw, None, MessageStatus.FAILED, _("Too large to process"))
    try:
        mail = read_mail(raw)
    except UnreadableMail as error:
        return _keep(council, raw, None, MessageStatus.FAILED, str(error))
    done = InboundMessage.objects.filter(council=council, message_id=mail.message_id).first()
    if done is not None:
        return done
    if mail.automatic:
        return _keep(council, raw, mail, MessageStatus.IGNORED, mail.automatic)
    if mail.suspect:
        return _keep(council, raw, mail, MessageStatus.QUARANTINED, mail.suspect)
    hour_ago = timezone.now() - dt.timedelta(hours=1)
    recent = InboundMessage.objects.filter(
        council=council, sender=mail.sender, received_at__gte=hour_ago
    ).count()
    if recent >= settings.INBOX_PER_SENDER_HOUR:
        return _keep(council, raw, mail, MessageStatus.QUARANTINED, _("Too many from this sender"))
    reference = reference_replied_to(
        council_id=council.pk, message_ids=mail.in_reply_to
    ) or _reference_in(council, mail.subject)
    if reference:
        parsed = parse_reference(reference, prefix=council.reference_prefix)
        case = case_for_public(council=council, reference=parsed)
        # References are public: only the request's own reporter adds to it by email.
        if case is not None and case.contact_email.lower() == mail.sender:
            with transaction.atomic():
                case_add_note(
                    case=case,
                    message=_("Reply by email: %(words)s") % {"words": mail.text or mail.subject},
                    actor=Actor.system(_("Email from the reporter")),
                )
                return _keep(council, raw, mail, MessageStatus.REPLY, "", case=case)
    return _new_request(council, raw, mail)


def _new_request(council: Council, raw: bytes, mail: Mail) -> InboundMessage:
    try:
        case = _request_of(council, mail)
    except ValidationError as error:
        return _keep(council, raw, mail, MessageStatus.FAILED, "; ".join(error.messages)[:300])
    return _keep(council, raw, mail, MessageStatus.REQUEST, "", case=case)


def _request_of(council: Council, mail: Mail, note: str = "") -> Case:
    """The request the message makes, through the one writer: in the council's triage
    service, with its words, photos, place and sender. ``ValidationError`` if it cannot
    be made."""
    service = triage_service(council=council)
    if service is None:
        raise ValidationError(_("The council has no triage service"))
    words = "\n\n".join(w for w in (mail.subject, mail.text) if w).strip()[:4000]
    answers = (
        {DESCRIPTION_QUESTION: words}
        if any(q.code == DESCRIPTION_QUESTION for q in service.questions.all())
        else {}
    )
    photos, notes = _photos(council, mail)
    if note:
        notes.insert(0, (note, {}))
    with transaction.atomic():
        return case_create(
            council=council,
            request=NewRequest(
                service=service,
                answers=answers,
                description="" if answers else words,
                location=_place(council, service, words),
                contact=Contact(name=mail.sender_name, email=mail.sender),
                channel=Channel.EMAIL,
                submission_key=uuid.uuid5(_KEYS, f"{council.pk}:{mail.message_id}"),
                photo_draft_key=photos,
                internal_notes=tuple(notes),
                submitter=Submitter(actor=Actor.system(str(Channel.EMAIL.label))),
            ),
        ).case


def message_release(*, council: Council, message_id: int, released_by: str) -> InboundMessage:
    """Staff judged a quarantined message genuine: it becomes a request as if it had
    arrived clean (acknowledged, routed), once. ``ValidationError`` says why not."""
    with transaction.atomic():
        message = (
            InboundMessage.objects.select_for_update()
            .filter(council=council, pk=message_id, status=MessageStatus.QUARANTINED)
            .first()
        )
        if message is None:
            raise ValidationError(_("That email is not quarantined (someone may have released it)"))
        mail = read_mail(bytes(message.raw))
        message.case = _request_of(
            council, mail, note=_("Released from quarantine by %(name)s") % {"name": released_by}
        )
        message.status = MessageStatus.REQUEST
        message.reason = (_("Released by %(name)s") % {"name": released_by})[:300]
        message.save(update_fields=["case", "status", "reason"])
    return message


def _photos(council: Council, mail: Mail) -> tuple[uuid.UUID | None, list[Note]]:
    """The message's images as the request's photos, through the one photo writer (its
    checks and limits apply), and a note for staff of every other attachment (kept in
    the raw message, downloaded from its page) and of any image that was refused."""
    draft = uuid.uuid4()
    kept = 0
    notes: list[Note] = []
    for attachment in mail.attachments:
        why_not = _not_a_photo(council, draft, attachment)
        if why_not:
            notes.append((why_not, {"attachment": attachment.name}))
        else:
            kept += 1
    return (draft if kept else None), notes


def _not_a_photo(council: Council, draft: uuid.UUID, attachment: Attachment) -> str:
    """Store the attachment as a photo of the draft if it is one; else say why not."""
    if not attachment.is_image:
        return _("Attachment kept with the email, not opened: %(name)s (%(type)s, %(size)s)") % {
            "name": attachment.name,
            "type": attachment.content_type,
            "size": filesizeformat(len(attachment.content)),
        }
    if len(attachment.content) < SMALLEST_PHOTO_BYTES:
        return _(
            "Image %(name)s kept with the email, not added as a photo: too small to be one "
            "(a logo in a signature, say)"
        ) % {"name": attachment.name}
    upload = SimpleUploadedFile(attachment.name, attachment.content, attachment.content_type)
    try:
        photo_add(council=council, draft_key=draft, upload=upload)
    except ValidationError as error:
        return _("Image %(name)s not added as a photo: %(why)s") % {
            "name": attachment.name,
            "why": " ".join(error.messages),
        }
    return ""


def _place(council: Council, service: Service, words: str) -> Location:
    """Where the email says the problem is, when the gazetteer knows the postcode,
    address or street it names; no place otherwise (staff add it)."""
    found = place_in_text(council=council, text=words)
    if found is None:
        return Location()
    try:
        if found.address is not None:
            return parse_place(council=council, service=service, uprn=str(found.address.uprn))
        assert found.named is not None
        return parse_place(
            council=council,
            service=service,
            description=_("Named in the email: %(place)s") % {"place": found.named.name},
            latitude=found.named.latitude,
            longitude=found.named.longitude,
        )
    except ValidationError:
        return Location()


def _keep(
    council: Council,
    raw: bytes,
    mail: Mail | None,
    status: str,
    reason: str,
    case: Case | None = None,
) -> InboundMessage:
    message_id = mail.message_id if mail else "sha256:" + hashlib.sha256(raw).hexdigest()
    try:
        with transaction.atomic():
            return InboundMessage.objects.create(
                council=council,
                message_id=message_id,
                sender=mail.sender if mail else "",
                subject=mail.subject if mail else "",
                raw=raw,
                status=status,
                reason=str(reason)[:300],
                case=case,
            )
    except IntegrityError:  # taken already, by a run that was stopped half-way
        return InboundMessage.objects.get(council=council, message_id=message_id)
