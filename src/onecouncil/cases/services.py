"""Writes to cases. Every channel (web, staff, APIs, sensors) creates requests here."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.events import event_append
from onecouncil.cases.inputs import (
    Contact,
    Location,
    phone_key,
    validate_contact,
    validate_location,
)
from onecouncil.cases.links import private_url, rating_url, tracking_url, unfollow_url
from onecouncil.cases.models import (
    CLOSED_STATUSES,
    DEFAULT_CLOSURE_REASONS,
    Case,
    CaseEvent,
    Channel,
    ClosureReason,
    EventKind,
    Follower,
    Photo,
    ResponseTemplate,
    Sending,
    Status,
    TemplateUse,
    status_display,
    template_fill,
)
from onecouncil.cases.photos import photo_add
from onecouncil.cases.routing import team_for
from onecouncil.cases.tokens import hash_token
from onecouncil.cases.workflow import allowed_next
from onecouncil.catalogue.answers import validate_answers
from onecouncil.catalogue.models import QuestionKind, Service, SlaUnit
from onecouncil.core.actors import Actor
from onecouncil.core.masking import mentions, personal_found
from onecouncil.core.models import Council, Membership, Team
from onecouncil.core.references import new_reference
from onecouncil.core.throttles import within_limit
from onecouncil.core.working_time import (
    add_working_days,
    add_working_hours,
    add_working_time,
    working_time_between,
)
from onecouncil.notify.models import Channel as NotifyChannel
from onecouncil.notify.services import notification_enqueue
from onecouncil.places.lookup import street_point, ward_id_at
from onecouncil.residents.models import Account, Ward
from onecouncil.residents.selectors import nearest_address, place_of
from onecouncil.residents.services import person_for_verified_email
from onecouncil.webhooks.services import webhooks_enqueue


@dataclass(frozen=True)
class CaseCreated:
    case: Case
    private_token: str | None
    created: bool


def due_at_for(service: Service, council: Council, start: dt.datetime) -> dt.datetime | None:
    """When a request made at ``start`` is due; None for a service with no target."""
    if service.sla_amount is None:
        return None
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
    photo_draft_key: uuid.UUID | None = None,
    channel_detail: str = "",
    language: str = "en-gb",
    actor: Actor | None = None,
    updates_by_sms: bool = False,
    councillor_consent: bool = False,
    account: Account | None = None,
    description: str = "",
    internal_notes: Sequence[tuple[str, dict[str, Any]]] = (),
    client_id: int | None = None,
) -> CaseCreated:
    """Create a service request with its first events and confirmation, in one transaction.

    ``client_id`` is the API key that sent it (``api.ApiKey``): that client may read it
    back even when its service is private.

    Idempotent per ``submission_key``: submitting the same journey twice returns the
    request the first submission made. Raises ``ValidationError`` (a dict keyed by
    field) when anything is wrong; nothing is saved then.
    """
    if service.council_id != council.id or not service.is_active:
        raise ValidationError({"service": [_("This service is not available")]})
    # Two-tier areas: the resident answered this council's questions; the request is made
    # in the council that handles the service, with its reference, team and targets.
    handler = service.handled_by if service.handled_by_id is not None else None
    if handler is not None and (not handler.is_active or handler.council_id == council.id):
        raise ValidationError({"service": [_("This service is not available")]})
    owner, owner_service = (handler.council, handler) if handler else (council, service)
    existing = Case.objects.filter(council=owner, submission_key=submission_key).first()
    if existing is not None:
        return CaseCreated(existing, None, created=False)

    if updates_by_sms and not contact.updates_by_sms:
        contact = replace(contact, updates_by_sms=True)
    cleaned_answers, errors = _check_request(council, service, answers, location, contact)
    if handler is not None and not errors:
        errors.update(validate_location(handler, location))
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
                council=owner,
                service=owner_service,
                received_service=service if handler is not None else None,
                answers=cleaned_answers,
                location=location,
                contact=contact,
                channel=channel,
                channel_detail=channel_detail,
                submission_key=submission_key,
                photos=photos,
                language=language,
                internal_notes=internal_notes,
                actor=actor,
                updates_by_sms=updates_by_sms,
                councillor_consent=councillor_consent,
                account=account,
                description=description,
                client_id=client_id,
            )
    except IntegrityError:
        # A second submit of the same journey raced the first: return what it made.
        existing = Case.objects.filter(council=owner, submission_key=submission_key).first()
        if existing is None:
            raise
        return CaseCreated(existing, None, created=False)


def _check_request(
    council: Council,
    service: Service,
    answers: Mapping[str, Any],
    location: Location,
    contact: Contact,
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The answers cleaned, and every error keyed by field: the rules every new request
    meets, whichever way it arrives."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    try:
        cleaned = validate_answers(service, answers)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    errors.update(validate_location(service, location))
    errors.update(validate_contact(service, contact))
    if location.address is not None and location.address.council_id != council.id:
        errors["address"] = [_("Choose an address in this council's area")]
    return cleaned, errors


@dataclass(frozen=True)
class EarlierRequest:
    """A request made before it reached OneCouncil: a previous system's record, or one
    of the benchmarks' many."""

    service: Service
    answers: Mapping[str, Any]
    location: Location
    contact: Contact
    channel: Channel
    reported_at: dt.datetime
    status: Status = Status.RECEIVED
    # When a closed (fixed or closed) request was closed; its report time if not given.
    closed_at: dt.datetime | None = None


def cases_bulk_load(
    *, council: Council, requests: Iterable[EarlierRequest], batch_size: int = 1000
) -> int:
    """Load many earlier requests at once, in batches of ``batch_size``.

    Each meets the same rules and gets the same derivations as ``case_create``
    (``_check_request`` and ``_new_case``): a unique reference, its place, team, search
    keys and due date, dated when it was reported, with its "received", "sent to a team"
    and (when not still received) status events. Nothing is sent: no confirmation and no
    webhook, since nothing new has happened. A request with an error raises
    ``ValidationError`` naming its position, and nothing of its batch is saved.
    Returns how many were loaded.
    """
    teams: dict[tuple[int, int | None], Team | None] = {}

    def cached_team_for(*, service: Service, ward: Any) -> Team | None:
        key = (service.pk, ward.pk if ward is not None else None)
        if key not in teams:
            teams[key] = team_for(service=service, ward=ward)
        return teams[key]

    loaded = 0
    batch: list[tuple[Case, EarlierRequest]] = []

    def flush() -> None:
        nonlocal batch
        if not batch:
            return
        with transaction.atomic():
            _bulk_insert(council, batch)
        batch = []

    for position, request in enumerate(requests, start=1):
        if request.service.council_id != council.pk:
            raise ValidationError({f"request {position}": [_("This service is not available")]})
        cleaned, errors = _check_request(
            council, request.service, request.answers, request.location, request.contact
        )
        if errors:
            raise ValidationError(
                {f"request {position} {field}": messages for field, messages in errors.items()}
            )
        case = _new_case(
            council=council,
            service=request.service,
            answers=cleaned,
            location=request.location,
            contact=request.contact,
            channel=request.channel,
            channel_detail="",
            submission_key=uuid.uuid4(),
            updates_by_sms=request.contact.updates_by_sms,
            councillor_consent=False,
            account=None,
            description="",
            change_details=None,
            token=secrets.token_urlsafe(24),
            reported_at=request.reported_at,
            reference="",
            team_for=cached_team_for,
        )
        case.status = request.status
        case.updated_at = request.reported_at
        if request.status in (Status.CLOSED, Status.FIXED):
            case.closed_at = max(request.closed_at or request.reported_at, request.reported_at)
            case.updated_at = case.closed_at
        batch.append((case, request))
        loaded += 1
        if len(batch) >= batch_size:
            flush()
    flush()
    return loaded


def _bulk_insert(council: Council, batch: list[tuple[Case, EarlierRequest]]) -> None:
    cases = [case for case, _request in batch]
    references: set[str] = set()
    while len(references) < len(cases):
        wanted = len(cases) - len(references)
        fresh = {new_reference(council.reference_prefix) for _n in range(wanted)} - references
        taken = set(Case.objects.filter(reference__in=fresh).values_list("reference", flat=True))
        references |= fresh - taken
    for case, reference in zip(cases, sorted(references), strict=True):
        case.reference = reference
    made = Case.objects.bulk_create(cases)
    events: list[CaseEvent] = []
    for case in made:
        channel = str(case.get_channel_display())
        at = case.created_at
        events.append(
            CaseEvent(
                case=case,
                kind=EventKind.CREATED,
                is_public=True,
                status=Status.RECEIVED,
                message=_("We have received your request."),
                data={"channel": case.channel, "channel_detail": ""},
                actor_label=channel,
                created_at=at,
            )
        )
        if case.team is not None:
            events.append(
                CaseEvent(
                    case=case,
                    kind=EventKind.ROUTED,
                    is_public=False,
                    status=Status.RECEIVED,
                    data={"team": case.team.name, "team_id": case.team.pk},
                    actor_label=_("Routing"),
                    created_at=at,
                )
            )
        if case.status != Status.RECEIVED:
            events.append(
                CaseEvent(
                    case=case,
                    kind=EventKind.STATUS_CHANGED,
                    is_public=True,
                    status=case.status,
                    data={"from": Status.RECEIVED, "to": case.status},
                    actor_label=_("Loaded from an earlier system"),
                    created_at=case.closed_at or at,
                )
            )
    CaseEvent.objects.bulk_create(events)


def case_create_change_task(
    *,
    account: Account,
    service: Service,
    changes: dict[str, Any],
    effective_date: dt.date | None = None,
    channel: Channel = Channel.WEB,
    actor: Actor | None = None,
) -> Case:
    """A task in a service team's queue: a resident told us about a change of details.

    Made by the same writer as every other request, so it is routed, keyed for search,
    has its events and webhooks, and gets a reference. The resident is not sent a
    confirmation for each task: the change report tells them where it went.
    """
    summary = "; ".join(
        f"{field}: {c['old'] or _('(none)')} → {c['new']}" for field, c in changes.items()
    )
    details: dict[str, Any] = {**changes}
    if effective_date is not None:
        details["effective_date"] = effective_date.isoformat()
        summary += "; " + _("takes effect on %(date)s") % {
            "date": f"{effective_date.day} {effective_date:%B %Y}"
        }
    return _insert(
        council=account.council,
        service=service,
        answers={},
        location=Location(address=account.address),
        contact=Contact(name=account.name, email=account.email, phone=account.phone),
        channel=channel,
        channel_detail=_("change of details"),
        submission_key=uuid.uuid4(),
        photos=[],
        language=account.language,
        actor=actor or Actor.system(_("Tell us once")),
        updates_by_sms=False,
        councillor_consent=False,
        account=account,
        description="",
        change_details=details,
        created_message=_("The resident told us about a change of details: %(s)s") % {"s": summary},
        confirm=False,
    ).case


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
    case = _locked(case)
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
def case_backdate(*, case: Case, reported_at: dt.datetime) -> Case:
    """Move a request made just now to when it was really reported (imports of earlier
    records, the demo): its events move with it and its due date is worked out again."""
    case.created_at = reported_at
    case.due_at = due_at_for(case.service, case.council, reported_at)
    Case.objects.filter(pk=case.pk).update(created_at=reported_at, due_at=case.due_at)
    CaseEvent.objects.filter(case=case).update(created_at=reported_at)
    return case


def case_backdate_events(*, case: Case, since: dt.datetime, at: dt.datetime) -> None:
    """The events appended since ``since`` (a moment just before a step) happened at
    ``at``: imports of earlier records and the demo replay a request's history through
    the writer, then say when each step happened. A close moves ``closed_at`` with it."""
    CaseEvent.objects.filter(case=case, created_at__gte=since).update(created_at=at)
    case.refresh_from_db(fields=["closed_at", "status"])
    if case.closed_at is not None and case.closed_at > at:
        case.closed_at = at
        Case.objects.filter(pk=case.pk).update(closed_at=at, updated_at=at)


def _unused_reference(council: Council) -> str:
    for _attempt in range(10):
        reference = new_reference(council.reference_prefix)
        if not Case.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("Could not find an unused reference number")  # 32^7 space: never


def _new_case(
    *,
    council: Council,
    service: Service,
    answers: dict[str, Any],
    location: Location,
    contact: Contact,
    channel: Channel,
    channel_detail: str,
    submission_key: uuid.UUID,
    updates_by_sms: bool,
    councillor_consent: bool,
    account: Account | None,
    description: str,
    change_details: dict[str, Any] | None,
    token: str,
    reported_at: dt.datetime,
    reference: str,
    team_for: Callable[..., Team | None],
    client_id: int | None = None,
    received_service: Service | None = None,
) -> Case:
    """A new request, not yet saved, with everything derived from what was given: the
    place (street, ward, coordinates), the team it is routed to, the contact search keys,
    the due date and the private link's hash. The one place these rules live."""
    address = location.address
    gazetteer = received_service.council if received_service else council
    postcode = address.postcode if address else ""
    if address is None and location.latitude is None and location.street.strip():
        # A street or a postcode typed without a pin: a point from the gazetteer, so every
        # request with a place has coordinates and a ward.
        location, postcode = _placed_by_gazetteer(gazetteer, location)
    ward = address.ward if address else None
    street = location.street.strip() or (address.street if address else "")
    if location.latitude is not None and location.longitude is not None:
        # The point decides the ward where the council has ward shapes (point in polygon).
        ward_id = ward_id_at(council.pk, location.latitude, location.longitude)
        if ward_id is not None and (ward is None or ward.pk != ward_id):
            ward = Ward.objects.filter(pk=ward_id).first() or ward
    near = ""
    if address is None and location.latitude is not None and location.longitude is not None:
        # The gazetteer is the receiving council's (a district's, in a two-tier area).
        nearest = nearest_address(
            council=gazetteer,
            latitude=location.latitude,
            longitude=location.longitude,
        )
        if nearest is not None:
            ward = ward if ward_id is not None or received_service else nearest.ward
            street = street or nearest.street
            near = nearest.single_line
    anonymous = contact.anonymous
    team = team_for(service=service, ward=ward)
    keys = contact_keys(
        email="" if anonymous else contact.email, phone="" if anonymous else contact.phone
    )
    return Case(
        council=council,
        reference=reference,
        service=service,
        channel=channel,
        channel_detail=channel_detail,
        client_id=client_id,
        answers=answers,
        description=description.strip()[:4000],
        change_details=change_details or {},
        address=address,
        uprn=address.uprn if address else None,
        street=street,
        location_description=location.description.strip(),
        postcode=postcode,
        latitude=location.latitude
        if location.latitude is not None
        else (address.latitude if address else None),
        longitude=location.longitude
        if location.longitude is not None
        else (address.longitude if address else None),
        ward=ward,
        nearest_address=near[:300],
        received_by_id=received_service.council_id if received_service else None,
        received_service=received_service,
        contact_name="" if anonymous else contact.name.strip(),
        contact_email="" if anonymous else contact.email.strip(),
        contact_phone="" if anonymous else contact.phone.strip(),
        **keys,
        is_anonymous=anonymous,
        updates_by_sms=bool(
            (updates_by_sms or contact.updates_by_sms) and not anonymous and contact.phone.strip()
        ),
        councillor_consent=councillor_consent and not anonymous,
        private_token_hash=hash_token(token),
        created_at=reported_at,
        team=team,
        submission_key=submission_key,
        due_at=due_at_for(service, council, reported_at),
        account=account
        if account is not None
        and account.council_id in (council.id, received_service and received_service.council_id)
        else None,
        # A verified account vouches for its own email address.
        person_id=account.person_id
        if account is not None
        and account.is_verified
        and contact.email.strip().lower() == account.email
        else None,
    )


def _published_at_once(council: Council, service: Service, case: Case) -> bool:
    """Where the council chose it, a public request's description goes on its public page
    as it is made, when the masking module and the reporter's own details find nothing
    personal in it (``Council.publish_descriptions_automatically``)."""
    words = case.description.strip()
    if not (council.publish_descriptions_automatically and service.is_public and words):
        return False
    if _public_words_refused(case, words):
        return False
    case.public_description = words
    case.description_published_at = case.created_at
    return True


def _placed_by_gazetteer(council: Council, location: Location) -> tuple[Location, str]:
    """A place typed as a street or a postcode, put at a point: the postcode's middle
    (the postcode then names no street: the nearest address's does), else the middle of
    the street's addresses, else the street's line. Unchanged when nothing is known."""
    found = place_of(council=council, text=location.street)
    if found is not None and found.is_postcode:
        moved = replace(location, street="", latitude=found.latitude, longitude=found.longitude)
        return moved, found.name
    point = (
        (found.latitude, found.longitude) if found else street_point(council.pk, location.street)
    )
    if point is None:
        return location, ""
    return replace(location, latitude=point[0], longitude=point[1]), ""


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
    language: str,
    actor: Actor | None,
    updates_by_sms: bool,
    councillor_consent: bool,
    account: Account | None,
    description: str,
    internal_notes: Sequence[tuple[str, dict[str, Any]]] = (),
    change_details: dict[str, Any] | None = None,
    created_message: str = "",
    confirm: bool = True,
    received_service: Service | None = None,
    client_id: int | None = None,
) -> CaseCreated:
    token = secrets.token_urlsafe(24)
    case = _new_case(
        client_id=client_id,
        council=council,
        service=service,
        received_service=received_service,
        answers=answers,
        location=location,
        contact=contact,
        channel=channel,
        channel_detail=channel_detail,
        submission_key=submission_key,
        updates_by_sms=updates_by_sms,
        councillor_consent=councillor_consent,
        account=account,
        description=description,
        change_details=change_details,
        token=token,
        reported_at=timezone.now(),
        reference=_unused_reference(council),
        team_for=team_for,
    )
    published = _published_at_once(council, service, case)
    case.save(force_insert=True)
    if published:
        event_append(
            case=case,
            kind=EventKind.DESCRIPTION_PUBLISHED,
            is_public=False,
            message=_("Published at once: nothing personal was found in it"),
            actor=Actor.system(_("Publishing")),
        )
    for photo in photos:
        photo.case = case
        photo.council = council  # the handling council's, in a two-tier area
    Photo.objects.bulk_update(photos, ["case", "council"])
    channel_actor = actor or Actor.system(str(case.get_channel_display()))
    event_append(
        case=case,
        kind=EventKind.CREATED,
        is_public=True,
        message=_("We have received your request."),
        data={"channel": channel, "channel_detail": channel_detail},
        actor=channel_actor,
    )
    if created_message:
        event_append(
            case=case,
            kind=EventKind.NOTE,
            is_public=False,
            message=created_message,
            data={"changes": change_details or {}},
            actor=channel_actor,
        )
    for note, data in internal_notes:
        event_append(
            case=case,
            kind=EventKind.NOTE,
            is_public=False,
            message=note,
            data=data,
            actor=channel_actor,
        )
    if case.team is not None:
        event_append(
            case=case,
            kind=EventKind.ROUTED,
            is_public=False,
            data={"team": case.team.name, "team_id": case.team.pk},
            actor=Actor.system(_("Routing")),
        )
    if service.sent_to_id is not None:
        # Queued with the request, in its transaction: the worker sends it on.
        Sending.objects.create(council=council, case=case, backend_id=service.sent_to_id)
    context = {
        **_message_context(case),
        "private_url": private_url(case, token),
        "due_date": _due_date_text(case),
    }
    for notify_channel, recipient in _reporter_channels(case) if confirm else []:
        notification_enqueue(
            council=council,
            kind="case_confirmation",
            channel=notify_channel,
            recipient=recipient,
            subject_reference=case.reference,
            language=language,
            context=context,
        )
    _publish(case, "created")
    return CaseCreated(case, token, created=True)


def contact_keys(*, email: str, phone: str) -> dict[str, str]:
    """The search keys for contact details: derived here, whenever the details change."""
    return {"email_key": email.strip().lower(), "phone_key": phone_key(phone)}


def _publish(case: Case, event_type: str, message: str = "") -> None:
    """Queue webhook deliveries for this change, in its transaction (docs/webhooks.md)."""
    webhooks_enqueue(
        council_id=case.council_id,
        service_code=case.service.code,
        event_type=event_type,
        payload={
            "event": event_type,
            "occurred_at": timezone.now().isoformat(timespec="seconds"),
            "council": case.council.slug,
            "message": message,
            "request": {
                "reference": case.reference,
                "service_code": case.service.code,
                "service_name": case.service.name,
                "status": case.status,
                "open": case.is_open,
                "closure_reason": case.closure_reason.code if case.closure_reason else "",
                "channel": case.channel,
                "team": case.team.name if case.team else "",
                "street": case.street,
                "ward": case.ward.code if case.ward else "",
                "created_at": case.created_at.isoformat(timespec="seconds"),
                "due_at": case.due_at.isoformat(timespec="seconds") if case.due_at else None,
            },
        },
    )


def _due_date_text(case: Case) -> str:
    if not case.due_at:
        return ""
    local = timezone.localtime(case.due_at, ZoneInfo(case.council.time_zone))
    return f"{local.day} {local:%B %Y}"


def _message_context(case: Case) -> dict[str, Any]:
    return {
        "council_name": case.council.name,
        "council_phone": case.council.phone,
        "reference": case.reference,
        "service_name": case.service.name,
        "name": case.contact_name,
        "tracking_url": tracking_url(case),
    }


def _reporter_channels(case: Case) -> list[tuple[NotifyChannel, str]]:
    channels: list[tuple[NotifyChannel, str]] = []
    if case.contact_email:
        channels.append((NotifyChannel.EMAIL, case.contact_email))
    if case.updates_by_sms and case.contact_phone:
        channels.append((NotifyChannel.SMS, case.contact_phone))
    return channels


def _notify_update(
    case: Case, *, message: str, followers: bool = True, ask_rating: bool = False
) -> int:
    """Queue an update for the reporter and (unless ``followers`` is False, for a private
    message) every follower, each as they chose."""
    status = status_display(case)
    context = {
        **_message_context(case),
        "status": status["label"],
        "status_explanation": status["explanation"],
        "message": message,
        "rating_url": "",
    }
    # Once it is closed, the person who made the request (and nobody else) is asked to
    # rate how we dealt with it.
    reporter = {**context, "rating_url": rating_url(case)} if ask_rating else context
    recipients: dict[tuple[NotifyChannel, str], dict[str, Any]] = {
        key: reporter for key in _reporter_channels(case)
    }
    for follower in Follower.objects.active().filter(case=case) if followers else []:
        follower.case = case
        own = {
            **context,
            "name": follower.name,
            "unfollow_url": unfollow_url(follower),
        }
        if follower.by_email and follower.email:
            recipients.setdefault((NotifyChannel.EMAIL, follower.email), own)
        if follower.by_sms and follower.phone:
            recipients.setdefault((NotifyChannel.SMS, follower.phone), own)
    for (notify_channel, recipient), message_context in sorted(recipients.items()):
        notification_enqueue(
            council=case.council,
            kind="case_update",
            channel=notify_channel,
            recipient=recipient,
            subject_reference=case.reference,
            context=message_context,
        )
    return len(recipients)


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


# --- Working a request ---------------------------------------------------------------


class WorkflowError(ValidationError):
    """A change the workflow does not allow; the message says why."""


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("service", "council")
        .get(pk=case.pk)
    )


@transaction.atomic
def case_assign(*, case: Case, assignee: Any, actor: Actor) -> Case:
    """Give a request to a member of staff (or to nobody, with ``assignee=None``)."""
    case = _locked(case)
    if (
        assignee is not None
        and not Membership.objects.filter(council=case.council, user=assignee).exists()
    ):
        raise WorkflowError(_("You can only assign requests to staff of this council"))
    if case.assignee_id == (assignee.pk if assignee else None):
        return case
    case.assignee = assignee
    case.save(update_fields=["assignee", "updated_at"])
    event_append(
        case=case,
        kind=EventKind.ASSIGNED,
        is_public=False,
        actor=actor,
        data={
            "assignee_id": assignee.pk if assignee else None,
            "assignee": assignee.get_username() if assignee else "",
        },
    )
    return case


def closure_reasons(council: Council) -> list[ClosureReason]:
    """The council's reasons for closing; the standard four are made the first time."""
    reasons = list(ClosureReason.objects.filter(council=council, is_active=True))
    if not reasons and not ClosureReason.objects.filter(council=council).exists():
        for order, (code, label, explanation, open311) in enumerate(DEFAULT_CLOSURE_REASONS):
            ClosureReason.objects.create(
                council=council,
                code=code,
                label=str(label),
                public_explanation=str(explanation),
                open311_status=open311,
                order=order,
            )
        reasons = list(ClosureReason.objects.filter(council=council, is_active=True))
    return reasons


def _pause_clock(case: Case, new_status: Status, now: dt.datetime) -> None:
    if new_status == Status.AWAITING_RESIDENT and case.paused_at is None:
        case.paused_at = now
    elif new_status != Status.AWAITING_RESIDENT and case.paused_at is not None:
        if case.due_at is not None:
            council = case.council
            remaining = working_time_between(
                case.paused_at,
                case.due_at,
                tz=council.time_zone,
                region=council.bank_holiday_region,
            )
            case.due_at = add_working_time(
                now, remaining, tz=council.time_zone, region=council.bank_holiday_region
            )
        case.paused_at = None


@transaction.atomic
def case_change_status(
    *,
    case: Case,
    status: str,
    actor: Actor,
    message: str = "",
    closure_reason: str = "",
) -> Case:
    """Move a request to a new status the workflow allows; closing needs a reason.

    The reporter and followers are told, with ``message`` if given.
    """
    case = _locked(case)
    new_status = Status(status)
    if new_status not in allowed_next(case.status, case.service.pattern):
        raise WorkflowError(
            _("A request that is %(current)s cannot be moved to %(new)s")
            % {"current": Status(case.status).label.lower(), "new": new_status.label.lower()}
        )
    if message.strip() and _names_the_reporter(case, message):
        raise WorkflowError(
            _(
                "The message holds the name or contact details of the person who made the "
                "request, and anyone can read it on the tracking page: leave them out"
            )
        )
    reason = None
    if new_status == Status.CLOSED:
        reason = next((r for r in closure_reasons(case.council) if r.code == closure_reason), None)
        if reason is None:
            raise WorkflowError(_("Choose a reason for closing the request"))
    now = timezone.now()
    _pause_clock(case, new_status, now)
    previous = case.status
    case.status = new_status
    case.closure_reason = reason
    case.closed_at = now if new_status in (Status.CLOSED, Status.FIXED) else None
    case.save(
        update_fields=["status", "closure_reason", "closed_at", "due_at", "paused_at", "updated_at"]
    )
    public_message = message.strip() or status_display(case)["explanation"]
    event_append(
        case=case,
        kind=EventKind.REOPENED if new_status == Status.REOPENED else EventKind.STATUS_CHANGED,
        is_public=True,
        actor=actor,
        message=public_message,
        data={"from": previous, "to": new_status, "closure_reason": reason.code if reason else ""},
    )
    _notify_update(case, message=public_message, ask_rating=new_status in CLOSED_STATUSES)
    _publish(case, "status_changed", public_message)
    if new_status == Status.CLOSED:
        _publish(case, "closed", public_message)
    return case


def may_reopen(case: Case) -> bool:
    """Whether the reporter may still reopen this request themselves."""
    if case.status not in (Status.CLOSED, Status.FIXED) or case.closed_at is None:
        return False
    return timezone.now() - case.closed_at <= dt.timedelta(days=case.council.reopen_window_days)


@transaction.atomic
def case_reopen_by_resident(*, case: Case, reason: str) -> Case:
    """The reporter reopens their closed request within the council's window."""
    case = _locked(case)
    if case.status not in (Status.CLOSED, Status.FIXED) or case.closed_at is None:
        raise WorkflowError(_("Only a closed request can be reopened"))
    window = dt.timedelta(days=case.council.reopen_window_days)
    if timezone.now() - case.closed_at > window:
        raise WorkflowError(
            _("This request was closed more than %(days)s days ago. Please make a new report.")
            % {"days": case.council.reopen_window_days}
        )
    if not reason.strip():
        raise WorkflowError(_("Tell us why the request should be reopened"))
    resident = Actor.system(_("Resident"))
    case = case_change_status(
        case=case,
        status=Status.REOPENED,
        actor=resident,
        message=_("The person who reported this told us it is not sorted, so we have reopened it."),
    )
    # Their own words may hold personal details: staff see them, the public page does not.
    event_append(
        case=case,
        kind=EventKind.NOTE,
        is_public=False,
        actor=resident,
        message=reason.strip()[:2000],
        data={"reopen_reason": True},
    )
    return case


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
    if _names_the_reporter(case, message):
        raise WorkflowError(
            _(
                "This update holds the name or contact details of the person who made the "
                "request, and anyone can read public updates: send it as a private message"
            )
        )
    case = _locked(case)
    case.save(update_fields=["updated_at"])
    event_append(
        case=case,
        kind=EventKind.PUBLIC_UPDATE,
        is_public=True,
        actor=actor,
        message=message.strip(),
    )
    _notify_update(case, message=message.strip())
    _publish(case, "updated", message.strip())
    return case


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
    case = _locked(case)
    case.save(update_fields=["updated_at"])
    event_append(
        case=case, kind=EventKind.MESSAGE, is_public=False, actor=actor, message=message.strip()
    )
    _notify_update(case, message=message.strip(), followers=False)
    return case


def _names_the_reporter(case: Case, message: str) -> bool:
    """Whether ``message`` holds the reporter's full name, email or phone number."""
    return mentions(
        message,
        names=[case.contact_name],
        emails=[case.contact_email],
        phones=[case.contact_phone],
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
    case = _locked(case)
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
    case = _locked(case)
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
        context={**_message_context(case), "private_url": private_url(case, token)},
    )


def case_reporter_reachable(case: Case) -> bool:
    """Whether the reporter can be sent anything: an email, a phone for texts, or an
    account whose pages show it."""
    return bool(_reporter_channels(case)) or case.account_id is not None


def _public_words_refused(case: Case, text: str) -> str:
    """Why ``text`` may not be shown to the public, or "": nothing personal may be in it
    (the one masking module's finds, or the reporter's own name or details)."""
    found = personal_found(text)
    if found:
        return _("It still holds %(found)s: take them out first") % {"found": ", ".join(found)}
    if _names_the_reporter(case, text):
        return _("It names the person who made the request: take their name out first")
    return ""


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
    refused = _public_words_refused(case, words)
    if refused:
        raise WorkflowError(refused)
    case = _locked(case)
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


@transaction.atomic
def case_hide_description(*, case: Case, actor: Actor) -> Case:
    """Take the description off the public page and feeds again (audited as an event)."""
    case = _locked(case)
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
def case_show_photos(*, case: Case, actor: Actor, shown: bool) -> Case:
    """A member of staff has looked at the photos (faces, number plates) and shows them on
    the public page, or hides them again. Each is an event."""
    if not case.service.is_public:
        raise WorkflowError(_("This is a private request: nothing about it is public"))
    case = _locked(case)
    if shown == (case.photos_published_at is not None):
        return case
    if shown and not Photo.objects.filter(case=case).exists():
        raise WorkflowError(_("This request has no photos"))
    case.photos_published_at = timezone.now() if shown else None
    case.save(update_fields=["photos_published_at", "updated_at"])
    event_append(
        case=case,
        kind=EventKind.NOTE,
        is_public=False,
        actor=actor,
        message=_("Photos shown to the public") if shown else _("Photos hidden from the public"),
        data={"photos_shown": shown},
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
    case = _locked(case)
    photos = _client_photos(case.council, uploads)
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


def _client_photos(council: Council, uploads: Sequence[tuple[str, UploadedFile]]) -> list[Photo]:
    """Photos an API client sent, checked and stored as one draft (so the draft's limit
    holds); ``ValidationError`` naming the field of the first bad one."""
    draft = uuid.uuid4()
    photos = []
    for field, upload in uploads:
        try:
            photos.append(photo_add(council=council, draft_key=draft, upload=upload))
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from None
    return photos


@transaction.atomic
def client_photos_draft(
    *, council: Council, uploads: Sequence[tuple[str, UploadedFile]]
) -> uuid.UUID | None:
    """Store the photos an API client sent with a new request, as a draft ``case_create``
    attaches (``photo_draft_key``); None when none were sent. ``ValidationError`` naming
    the field of the first bad one, before anything else is written."""
    photos = _client_photos(council, uploads)
    return photos[0].draft_key if photos else None


@transaction.atomic
def case_add_note(*, case: Case, message: str, actor: Actor) -> Case:
    """An internal note: staff only, never sent or shown to residents."""
    if not message.strip():
        raise WorkflowError(_("Enter the note"))
    case = _locked(case)
    event_append(
        case=case, kind=EventKind.NOTE, is_public=False, actor=actor, message=message.strip()
    )
    return case


@transaction.atomic
def case_mark_duplicate(*, case: Case, original: Case, actor: Actor) -> Case:
    """Close ``case`` as a duplicate of ``original``; its reporter follows the original."""
    if original.council_id != case.council_id or original.pk == case.pk:
        raise WorkflowError(_("Choose another request of this council"))
    if original.duplicate_of_id is not None:
        raise WorkflowError(_("That request is itself a duplicate: choose the original"))
    case = _locked(case)
    original = _locked(original)
    if case.is_open is False:
        raise WorkflowError(_("This request is already closed"))
    # Only a public request may be followed: the reporter of a duplicate of a private one
    # (a neighbour's noise complaint, say) is not told what happens to someone else's.
    if original.service.is_public and (
        case.contact_email or (case.contact_phone and case.updates_by_sms)
    ):
        Follower.objects.get_or_create(
            council=case.council,
            case=original,
            email=case.contact_email,
            phone=case.contact_phone if case.updates_by_sms else "",
            defaults={
                "name": case.contact_name,
                "by_email": bool(case.contact_email),
                "by_sms": case.updates_by_sms,
                "source_case": case,
                "person": case.person,
                # Their own address, given with their own report: nothing to confirm.
                "confirmed_at": timezone.now(),
            },
        )
    case.duplicate_of = original
    case.save(update_fields=["duplicate_of", "updated_at"])
    event_append(
        case=original,
        kind=EventKind.MERGED,
        is_public=False,
        actor=actor,
        data={"duplicate": case.reference},
    )
    event_append(
        case=case,
        kind=EventKind.MERGED,
        is_public=False,
        actor=actor,
        data={"original": original.reference},
    )
    if original.service.is_public:
        message = _(
            "Someone had already reported this, so we are dealing with it under "
            "%(reference)s. We will send you that request's updates."
        ) % {"reference": original.reference}
    else:
        message = _("Someone had already told us about this, and we are dealing with it.")
    return case_change_status(
        case=case,
        status=Status.CLOSED,
        actor=actor,
        message=message,
        closure_reason="duplicate",
    )


def render_template(template: ResponseTemplate, case: Case) -> str:
    """The template's words for this request. The reporter's name goes only into a private
    message (a public update's template may not use it, see ``ResponseTemplate.clean``)."""
    values = {
        "reference": case.reference,
        "service": case.service.name,
        "council": case.council.name,
        "due_date": _due_date_text(case),
    }
    if template.use == TemplateUse.MESSAGE:
        values["name"] = case.contact_name or str(_("resident"))
    return template_fill(template.body, values)


@transaction.atomic
def case_add_photo(*, case: Case, upload: UploadedFile, actor: Actor) -> Photo:
    """An officer adds a photo (from site, say). Checked and cleaned like a resident's."""
    photo = photo_add(council=case.council, draft_key=uuid.uuid4(), upload=upload)
    photo.case = case
    photo.save(update_fields=["case"])
    event_append(
        case=case,
        kind=EventKind.NOTE,
        is_public=False,
        actor=actor,
        message=_("Photo added"),
        data={"photo_id": photo.pk},
    )
    return photo
