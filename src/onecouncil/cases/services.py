"""Writes to cases. Every channel (web, staff, APIs, sensors) creates requests here."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.events import event_append
from onecouncil.cases.inputs import Contact, Location, validate_contact, validate_location
from onecouncil.cases.models import Case, Channel, EventKind, Photo
from onecouncil.catalogue.answers import validate_answers
from onecouncil.catalogue.models import QuestionKind, Service, SlaUnit
from onecouncil.core.models import Council
from onecouncil.core.references import new_reference
from onecouncil.core.working_time import add_working_days, add_working_hours
from onecouncil.notify.models import Channel as NotifyChannel
from onecouncil.notify.services import notification_enqueue
from onecouncil.residents.selectors import nearest_address
from onecouncil.residents.services import person_for_verified_email

# Builds (tracking URL, private URL) for a reference and private token.
LinkBuilder = Callable[[str, str], tuple[str, str]]


@dataclass(frozen=True)
class CaseCreated:
    case: Case
    private_token: str | None
    created: bool


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(case: Case, token: str) -> bool:
    return hmac.compare_digest(case.private_token_hash, hash_token(token))


def due_at_for(service: Service, council: Council, start: dt.datetime) -> dt.datetime:
    if service.sla_unit == SlaUnit.WORKING_HOURS:
        return add_working_hours(
            start, service.sla_amount, tz=council.time_zone, region=council.bank_holiday_region
        )
    return add_working_days(
        start, service.sla_amount, tz=council.time_zone, region=council.bank_holiday_region
    )


def case_create(
    *,
    council: Council,
    service: Service,
    answers: Mapping[str, Any],
    location: Location,
    contact: Contact,
    channel: Channel,
    submission_key: uuid.UUID,
    links: LinkBuilder,
    photo_draft_key: uuid.UUID | None = None,
    channel_detail: str = "",
    language: str = "en-gb",
    actor: Any = None,
    actor_label: str = "",
) -> CaseCreated:
    """Create a service request with its first events and confirmation, in one transaction.

    Idempotent per ``submission_key``: submitting the same journey twice returns the
    request the first submission made. Raises ``ValidationError`` (a dict keyed by
    field) when anything is wrong; nothing is saved then.
    """
    if service.council_id != council.id or not service.is_active:
        raise ValidationError({"service": [_("This service is not available")]})
    existing = Case.objects.filter(council=council, submission_key=submission_key).first()
    if existing is not None:
        return CaseCreated(existing, None, created=False)

    errors: dict[str, list[str]] = {}
    try:
        cleaned_answers = validate_answers(service, answers)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    errors.update(validate_location(service, location))
    errors.update(validate_contact(service, contact))
    if location.address is not None and location.address.council_id != council.id:
        errors["address"] = [_("Choose an address in this council's area")]
    photos: Sequence[Photo] = []
    if photo_draft_key is not None:
        photos = list(
            Photo.objects.filter(council=council, draft_key=photo_draft_key, case__isnull=True)
        )
    photo_question = service.questions.filter(kind=QuestionKind.PHOTO, required=True).first()
    if photo_question is not None and not photos:
        errors["photos"] = [_("Add a photo: %(q)s") % {"q": photo_question.label}]
    if errors:
        raise ValidationError(errors)

    try:
        with transaction.atomic():
            return _insert(
                council=council,
                service=service,
                answers=cleaned_answers,
                location=location,
                contact=contact,
                channel=channel,
                channel_detail=channel_detail,
                submission_key=submission_key,
                photos=photos,
                links=links,
                language=language,
                actor=actor,
                actor_label=actor_label,
            )
    except IntegrityError:
        # A second submit of the same journey raced the first: return what it made.
        existing = Case.objects.filter(council=council, submission_key=submission_key).first()
        if existing is None:
            raise
        return CaseCreated(existing, None, created=False)


def _unused_reference(council: Council) -> str:
    for _attempt in range(10):
        reference = new_reference(council.reference_prefix)
        if not Case.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("Could not find an unused reference number")  # 32^7 space: never


def _insert(
    *,
    council: Council,
    service: Service,
    answers: dict[str, Any],
    location: Location,
    contact: Contact,
    channel: Channel,
    channel_detail: str,
    submission_key: uuid.UUID,
    photos: Sequence[Photo],
    links: LinkBuilder,
    language: str,
    actor: Any,
    actor_label: str,
) -> CaseCreated:
    now = timezone.now()
    address = location.address
    ward = address.ward if address else None
    street = location.street.strip() or (address.street if address else "")
    if address is None and location.latitude is not None and location.longitude is not None:
        nearest = nearest_address(
            council=council, latitude=location.latitude, longitude=location.longitude
        )
        if nearest is not None:
            ward = nearest.ward
            street = street or nearest.street
    token = secrets.token_urlsafe(24)
    anonymous = contact.anonymous
    case = Case.objects.create(
        council=council,
        reference=_unused_reference(council),
        service=service,
        channel=channel,
        channel_detail=channel_detail,
        answers=answers,
        address=address,
        uprn=address.uprn if address else None,
        street=street,
        location_description=location.description.strip(),
        postcode=address.postcode if address else "",
        latitude=location.latitude
        if location.latitude is not None
        else (address.latitude if address else None),
        longitude=location.longitude
        if location.longitude is not None
        else (address.longitude if address else None),
        ward=ward,
        contact_name="" if anonymous else contact.name.strip(),
        contact_email="" if anonymous else contact.email.strip(),
        contact_phone="" if anonymous else contact.phone.strip(),
        is_anonymous=anonymous,
        private_token_hash=hash_token(token),
        team=service.team,
        submission_key=submission_key,
        due_at=due_at_for(service, council, now),
    )
    for photo in photos:
        photo.case = case
    Photo.objects.bulk_update(photos, ["case"])
    event_append(
        case=case,
        kind=EventKind.CREATED,
        is_public=True,
        message=_("We have received your request."),
        data={"channel": channel, "channel_detail": channel_detail},
        actor=actor,
        actor_label=actor_label or case.get_channel_display(),
    )
    if service.team is not None:
        event_append(
            case=case,
            kind=EventKind.ROUTED,
            is_public=False,
            data={"team": service.team.name, "team_id": service.team_id},
            actor_label=_("Routing"),
        )
    if case.contact_email:
        tracking_url, private_url = links(case.reference, token)
        notification_enqueue(
            council=council,
            kind="case_confirmation",
            channel=NotifyChannel.EMAIL,
            recipient=case.contact_email,
            subject_reference=case.reference,
            language=language,
            context={
                "council_name": council.name,
                "council_phone": council.phone,
                "reference": case.reference,
                "service_name": service.name,
                "name": case.contact_name,
                "tracking_url": tracking_url,
                "private_url": private_url,
                "due_date": timezone.localtime(case.due_at).strftime("%-d %B %Y")
                if case.due_at
                else "",
            },
        )
    return CaseCreated(case, token, created=True)


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
        actor_label=_("Resident"),
    )
