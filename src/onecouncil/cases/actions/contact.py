"""The reporter's contact details and private link."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.actions._common import locked
from onecouncil.cases.actions.notifications import message_context, reporter_channels
from onecouncil.cases.events import event_append
from onecouncil.cases.inputs import phone_key
from onecouncil.cases.links import private_url
from onecouncil.cases.models import (
    Case,
    EventKind,
)
from onecouncil.cases.tokens import hash_token
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council
from onecouncil.core.throttles import within_limit
from onecouncil.notify.models import Channel as NotifyChannel
from onecouncil.notify.services import notification_enqueue
from onecouncil.residents.services import person_for_verified_email


@transaction.atomic
def case_update_contact(
    *,
    case: Case,
    actor: Actor,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    data: dict[str, Any] | None = None,
) -> Case:
    """Change a request's contact details; the search keys follow them, and an internal
    event records what changed."""
    case = locked(case)
    fields: list[str] = []
    if name is not None and name != case.contact_name:
        case.contact_name = name
        fields.append("contact_name")
    if email is not None and email != case.contact_email:
        case.contact_email = email
        fields.append("contact_email")
    if phone is not None and phone != case.contact_phone:
        case.contact_phone = phone
        fields.append("contact_phone")
    keys = contact_keys(email=case.contact_email, phone=case.contact_phone)
    for key, value in keys.items():
        if getattr(case, key) != value:
            setattr(case, key, value)
            fields.append(key)
    if fields:
        case.save(update_fields=[*fields, "updated_at"])
    event_append(
        case=case,
        kind=EventKind.NOTE,
        is_public=False,
        actor=actor,
        message=_("The resident told us about a change of details"),
        data=data or {},
    )
    return case


@transaction.atomic
def case_confirm_contact(*, case: Case) -> None:
    """The reporter opened the private link sent to their email: that proves the address,
    so the request joins the person record for it."""
    if not case.contact_email or case.contact_email_verified_at is not None:
        return
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.contact_email_verified_at is not None:
        return
    person = person_for_verified_email(
        council=case.council, email=case.contact_email, name=case.contact_name
    )
    case.contact_email_verified_at = timezone.now()
    case.person = person
    case.save(update_fields=["contact_email_verified_at", "person", "updated_at"])
    event_append(
        case=case,
        kind=EventKind.CONTACT_VERIFIED,
        is_public=False,
        data={"person_id": person.pk},
        actor=Actor.system(_("Resident")),
    )


# How long after a private link is first opened it still works in another browser: an
# email provider's link scanner may open it first, or the resident may open it on their
# phone and then their computer. After it, the link works only where it was first opened.
PRIVATE_LINK_GRACE = dt.timedelta(minutes=10)
# How many new private links may be asked for one request in an hour.
PRIVATE_LINK_RESENDS_AN_HOUR = 3


@transaction.atomic
def case_private_link_claim(*, case: Case, browser: str) -> bool:
    """Whether the browser ``browser`` (a random value kept in its session) may exchange
    this request's private link for a session. The first browser to do so claims it;
    others may within ``PRIVATE_LINK_GRACE``, and not after, so a link copied from an
    access log or a forwarded email cannot be replayed."""
    case = locked(case)
    mine = hash_token(browser)
    if case.private_link_claimed_at is None:
        case.private_link_claimed_at = timezone.now()
        case.private_link_browser = mine
        case.save(update_fields=["private_link_claimed_at", "private_link_browser"])
        return True
    if hmac.compare_digest(case.private_link_browser, mine):
        return True
    return timezone.now() - case.private_link_claimed_at <= PRIVATE_LINK_GRACE


@transaction.atomic
def case_private_link_resend(*, council: Council, reference: str, email: str) -> None:
    """Send a new private link to the email address the request was made with, when
    ``email`` is that address; the old link stops working. Says nothing either way (the
    caller shows the same words), so nobody learns who made a request. At most
    ``PRIVATE_LINK_RESENDS_AN_HOUR`` an hour for a request."""
    case = Case.objects.filter(council=council, reference=reference).first()
    if case is None or not case.contact_email or not email.strip():
        return
    if case.contact_email.casefold() != email.strip().casefold():
        return
    if not within_limit(f"private-link-resend:{case.pk}", PRIVATE_LINK_RESENDS_AN_HOUR, 3600):
        return
    case = locked(case)
    token = secrets.token_urlsafe(24)
    case.private_token_hash = hash_token(token)
    case.private_link_claimed_at = None
    case.private_link_browser = ""
    case.save(
        update_fields=["private_token_hash", "private_link_claimed_at", "private_link_browser"]
    )
    event_append(
        case=case,
        kind=EventKind.NOTE,
        is_public=False,
        actor=Actor.system(_("Private link")),
        message=_("The person who made the request asked for a new private link; it was emailed"),
    )
    notification_enqueue(
        council=case.council,
        kind="case_private_link",
        channel=NotifyChannel.EMAIL,
        recipient=case.contact_email,
        subject_reference=case.reference,
        context={**message_context(case), "private_url": private_url(case, token)},
    )


def case_reporter_reachable(case: Case) -> bool:
    """Whether the reporter can be sent anything: an email, a phone for texts, or an
    account whose pages show it."""
    return bool(reporter_channels(case)) or case.account_id is not None


def contact_keys(*, email: str, phone: str) -> dict[str, str]:
    """The search keys for contact details: derived here, whenever the details change."""
    return {"email_key": email.strip().lower(), "phone_key": phone_key(phone)}
