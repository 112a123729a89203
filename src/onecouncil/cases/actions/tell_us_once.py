"""Tell us once, report once: a resident's account and the council's requests.

- Requests made while signed in, or claimed, belong to the account.
- Anyone can follow a request instead of reporting it again, and unfollow from any message.
- A change of details told once updates the profile and, where the resident agrees, their
  open requests and every service the council marked as needing to know.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onecouncil.cases.access import cases_for_account, claimable_cases
from onecouncil.cases.actions.contact import case_update_contact
from onecouncil.cases.actions.create import case_create_change_task
from onecouncil.cases.events import event_append
from onecouncil.cases.links import follow_confirm_url, tracking_url
from onecouncil.cases.links import unfollow_url as follower_unfollow_url
from onecouncil.cases.models import (
    CLOSED_STATUSES,
    Case,
    ChangeReport,
    Channel,
    EventKind,
    Follower,
)
from onecouncil.catalogue.models import Service
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council
from onecouncil.core.throttles import digest, within_limit
from onecouncil.notify.models import Channel as NotifyChannel
from onecouncil.notify.services import notification_enqueue
from onecouncil.residents.accounts import clean_email
from onecouncil.residents.models import Account, Address


@dataclass(frozen=True)
class SystemToTell:
    """One of the council's own systems that holds the resident (found by record
    linkage) and that the resident chose to tell: a task goes to the service whose team
    keeps it, with the system's reference for them and the lawful basis it holds them on."""

    name: str
    service: Service
    their_reference: str
    lawful_basis: str


CHANGEABLE = ("name", "phone", "address")
CHANGE_LABELS = {
    "name": gettext_lazy("Name"),
    "phone": gettext_lazy("Phone"),
    "address": gettext_lazy("Address"),
}


@transaction.atomic
def cases_claim(*, account: Account, references: list[str]) -> int:
    chosen = claimable_cases(account).filter(reference__in=references)
    count = 0
    for case in chosen.select_for_update(of=("self",)):
        case.account = account
        case.person_id = account.person_id
        case.save(update_fields=["account", "person", "updated_at"])
        event_append(
            case=case,
            kind=EventKind.NOTE,
            is_public=False,
            actor=Actor.system(_("Resident")),
            message=_("Linked to the resident's account"),
        )
        count += 1
    return count


@dataclass(frozen=True)
class Followed:
    follower: Follower
    created: bool
    # True when a confirmation email went (or would have gone) to a stranger's address:
    # the updates start only once its owner confirms.
    needs_confirming: bool = False


# Following sends an email to an address anyone can type: at most this many follows from
# one client address an hour, and this many confirmation emails to one address a day.
FOLLOWS_PER_CLIENT_HOUR = 10
FOLLOW_EMAILS_PER_ADDRESS_DAY = 3


@transaction.atomic
def case_follow(
    *,
    case: Case,
    account: Account | None = None,
    email: str = "",
    name: str = "",
    notify: bool = True,
    ip: str | None = None,
) -> Followed:
    """Follow a request's updates: report once, and hear about it when it changes.

    Only a public service's requests may be followed. A signed-in resident with a
    confirmed email follows at once; anyone else is sent an email to confirm, and gets
    nothing until they do (``follower_confirm``), so nobody can subscribe someone else.
    """
    if not case.service.is_public:
        raise ValidationError(_("This request is private, so it cannot be followed"))
    if not case.is_open:
        raise ValidationError(_("This request is closed, so there will be no more updates"))
    try:
        email = clean_email(account.email if account else email)
    except ValidationError as exc:  # the address's own error, for the address's own field
        raise ValidationError({"email": exc.messages}) from None
    if ip is not None and not within_limit(f"follow-client:{ip}", FOLLOWS_PER_CLIENT_HOUR, 60 * 60):
        raise ValidationError(
            _("You have asked to follow a lot of requests in the last hour. Try again later.")
        )
    known = account is not None and account.is_verified
    follower = Follower.objects.select_for_update().filter(case=case, email=email).first()
    if follower is not None and follower.confirmed_at and not follower.unsubscribed_at:
        if account is not None and not follower.account_id:
            follower.account = account
            follower.save(update_fields=["account"])
        return Followed(follower, created=False)
    created = follower is None
    if follower is None:
        follower = Follower(
            council_id=case.council_id,
            case=case,
            email=email,
            name=(account.name if account else name)[:200],
            by_email=True,
        )
    follower.account = account or follower.account
    follower.person_id = account.person_id if account else follower.person_id
    follower.unsubscribed_at = None
    follower.save()
    if known:
        _follow_confirmed(follower, notify=notify)
        return Followed(follower, created=True)
    if notify and within_limit(
        f"follow-email:{case.council_id}:{digest(email)}", FOLLOW_EMAILS_PER_ADDRESS_DAY, 86400
    ):
        _follow_email(follower, "follow_confirm", confirm_url=follow_confirm_url(follower))
    return Followed(follower, created=created, needs_confirming=True)


def _follow_confirmed(follower: Follower, *, notify: bool = True) -> None:
    follower.confirmed_at = timezone.now()
    follower.save(update_fields=["confirmed_at"])
    case = follower.case
    event_append(
        case=case,
        kind=EventKind.NOTE,
        is_public=False,
        actor=Actor.system(_("Resident")),
        message=_("Someone started following"),
    )
    if notify:
        _follow_email(follower, "follow_confirmation", unfollow_url=follower_unfollow_url(follower))


def _follow_email(follower: Follower, kind: str, **links: str) -> None:
    """One email to a follower about the request they follow, with its secret ``links``."""
    case = follower.case
    notification_enqueue(
        council=case.council,
        kind=kind,
        channel=NotifyChannel.EMAIL,
        recipient=follower.email,
        subject_reference=case.reference,
        context={
            "council_name": case.council.name,
            "reference": case.reference,
            "service_name": case.service.name,
            "tracking_url": tracking_url(case),
            **links,
        },
    )


@transaction.atomic
def follower_confirm(*, council: Council, token: str) -> Follower | None:
    """The owner of the address confirmed from the email: updates start now. None for a
    link that is not (or no longer) one."""
    follower = (
        Follower.objects.select_for_update()
        .select_related("case", "case__service", "case__council")
        .filter(council=council, unsubscribe_token=token, unsubscribed_at__isnull=True)
        .first()
    )
    if follower is None or not follower.case.service.is_public:
        return None
    if follower.confirmed_at is None:
        _follow_confirmed(follower, notify=False)
    return follower


def case_unfollow(*, case: Case, account: Account) -> bool:
    """The signed-in resident stops following ``case``; False if they were not."""
    stopped = (
        Follower.objects.active()
        .filter(case=case, account=account)
        .update(unsubscribed_at=timezone.now())
    )
    return bool(stopped)


def follower_unsubscribe(*, token: str) -> Follower | None:
    follower = Follower.objects.select_related("case").filter(unsubscribe_token=token).first()
    if follower is not None and follower.unsubscribed_at is None:
        follower.unsubscribed_at = timezone.now()
        follower.save(update_fields=["unsubscribed_at"])
    return follower


def _display(field: str, value: Any) -> str:
    if isinstance(value, Address):
        return value.single_line
    return "" if value is None else str(value)


@transaction.atomic
def change_tell(
    *,
    account: Account,
    name: str | None = None,
    phone: str | None = None,
    address: Address | None = None,
    to_requests: bool,
    to_services: bool,
    effective_date: dt.date | None = None,
    channel: Channel = Channel.WEB,
    systems: tuple[SystemToTell, ...] = (),
) -> ChangeReport:
    """Record a change of details once and pass it on as the resident agreed: to their
    open requests, to every service marked as needing to know, and to each of the
    council's systems that holds them and that they chose (``systems``)."""
    account = (
        Account.objects.select_for_update(of=("self",))
        .select_related("address", "council")
        .get(pk=account.pk)
    )
    new: dict[str, Any] = {"name": name, "phone": phone, "address": address}
    changes: dict[str, dict[str, str]] = {}
    for field in CHANGEABLE:
        value = new[field]
        if value is None:
            continue
        old = getattr(account, field)
        if (old.pk if isinstance(old, Address) else old) == (
            value.pk if isinstance(value, Address) else value
        ):
            continue
        if isinstance(value, Address) and value.council_id != account.council_id:
            raise ValidationError({"address": [_("Choose an address in this council's area")]})
        changes[field] = {"old": _display(field, old), "new": _display(field, value)}
        setattr(account, field, value)
    if not changes:
        raise ValidationError(_("Nothing has changed: enter the new details"))
    account.save(update_fields=list(changes))
    actor = Actor.system(_("Resident"))
    report = ChangeReport.objects.create(
        council_id=account.council_id,
        account=account,
        changes=changes,
        effective_date=effective_date,
    )
    if to_requests:
        for case in (
            cases_for_account(account)
            .exclude(status__in=CLOSED_STATUSES)
            .filter(Q(account=account) | Q(person_id=account.person_id))
        ):
            case_update_contact(
                case=case,
                actor=actor,
                name=account.name if "name" in changes else None,
                phone=account.phone if "phone" in changes else None,
                data={"changes": changes, "change_report": report.pk},
            )
            report.passed_to_requests.append(case.reference)
    if to_services:
        for service in Service.objects.filter(
            council_id=account.council_id, receives_changes=True, is_active=True
        ):
            task = case_create_change_task(
                account=account,
                service=service,
                changes=changes,
                effective_date=effective_date,
                channel=channel,
            )
            report.passed_to_services.append({"service": service.name, "reference": task.reference})
    for system in systems:
        if system.service.council_id != account.council_id:
            raise ValidationError(_("That system is not this council's"))
        task = case_create_change_task(
            account=account,
            service=system.service,
            changes=changes,
            effective_date=effective_date,
            channel=channel,
            system={
                "name": system.name,
                "their_reference": system.their_reference,
                "lawful_basis": system.lawful_basis,
            },
        )
        report.passed_to_services.append(
            {
                "service": system.name,
                "reference": task.reference,
                "lawful_basis": system.lawful_basis,
            }
        )
    report.save(update_fields=["passed_to_requests", "passed_to_services"])
    # A receipt to keep: what changed, from when, and the references of what it reached.
    notification_enqueue(
        council=account.council,
        kind="change_receipt",
        channel=NotifyChannel.EMAIL,
        recipient=account.email,
        language=account.language or "en-gb",
        context={
            "council_name": account.council.name,
            "name": account.name,
            "changes": [
                {"what": str(CHANGE_LABELS.get(f, f)), "new": c["new"]} for f, c in changes.items()
            ],
            "effective": date_format(effective_date, "j F Y") if effective_date else "",
            "requests": report.passed_to_requests,
            "services": report.passed_to_services,
        },
    )
    return report


def email_change_request(
    *, account: Account, new_email: str, to_requests: bool, to_services: bool
) -> str:
    """Ask the resident to confirm a new email address; returns the link's token.

    Nothing changes until the link sent to the new address is opened."""

    from onecouncil.residents.accounts import normalise_email, token_issue
    from onecouncil.residents.models import TokenPurpose

    new_email = normalise_email(new_email)
    try:
        validate_email(new_email)
    except ValidationError:
        raise ValidationError(
            {"email": [_("Enter an email address in the correct format, like name@example.com")]}
        ) from None
    if new_email == account.email:
        raise ValidationError({"email": [_("That is already your email address")]})
    if Account.objects.filter(council_id=account.council_id, email=new_email).exists():
        raise ValidationError({"email": [_("Another account uses that email address")]})
    issued = token_issue(
        account=account,
        purpose=TokenPurpose.CHANGE_EMAIL,
        new_email=new_email,
        options={"to_requests": to_requests, "to_services": to_services},
    )
    return issued.token


@transaction.atomic
def email_change_confirm(*, council: Any, token: str) -> ChangeReport:
    """The new address is proved: change it and pass it on as the resident chose."""
    from onecouncil.residents.accounts import token_use
    from onecouncil.residents.models import TokenPurpose

    used = token_use(council=council, token=token, purpose=TokenPurpose.CHANGE_EMAIL)
    account = (
        Account.objects.select_for_update(of=("self",))
        .select_related("person", "address", "council")
        .get(pk=used.account_id)
    )
    if (
        Account.objects.filter(council=council, email=used.new_email)
        .exclude(pk=account.pk)
        .exists()
    ):
        raise ValidationError(_("Another account uses that email address"))
    old = account.email
    account.email = used.new_email
    account.save(update_fields=["email"])
    if account.person is not None:
        account.person.email = used.new_email
        account.person.save(update_fields=["email"])
    changes = {"email": {"old": old, "new": used.new_email}}
    report = ChangeReport.objects.create(
        council_id=account.council_id, account=account, changes=changes
    )
    actor = Actor.system(_("Resident"))
    if used.options.get("to_requests"):
        for case in (
            cases_for_account(account)
            .exclude(status__in=CLOSED_STATUSES)
            .filter(Q(account=account) | Q(person_id=account.person_id))
        ):
            case_update_contact(
                case=case,
                actor=actor,
                email=used.new_email,
                data={"changes": changes, "change_report": report.pk},
            )
            report.passed_to_requests.append(case.reference)
    if used.options.get("to_services"):
        for service in Service.objects.filter(
            council_id=account.council_id, receives_changes=True, is_active=True
        ):
            task = case_create_change_task(account=account, service=service, changes=changes)
            report.passed_to_services.append({"service": service.name, "reference": task.reference})
    report.save(update_fields=["passed_to_requests", "passed_to_services"])
    return report


def follower_by_token(*, council: Any, token: str) -> Follower | None:
    """The follower an unfollow link is for."""
    return (
        Follower.objects.select_related("case")
        .filter(unsubscribe_token=token, council=council)
        .first()
    )
