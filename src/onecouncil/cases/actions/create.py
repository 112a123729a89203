"""Making a request: the one way every channel (web, staff, APIs, sensors, email, tell us
once) creates one, from one frozen ``NewRequest``."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.actions._common import (
    authorise,
    declares,
    permission_of,
    public_words_refused,
)
from onecouncil.cases.actions.contact import contact_keys
from onecouncil.cases.actions.notifications import (
    due_date_text,
    message_context,
    publish,
    reporter_channels,
)
from onecouncil.cases.actions.registry import case_created_tell
from onecouncil.cases.events import FirstEvent, events_append_first
from onecouncil.cases.inputs import (
    Contact,
    Location,
    NewRequest,
    Submitter,
    validate_contact,
    validate_location,
)
from onecouncil.cases.links import private_url
from onecouncil.cases.models import (
    Case,
    Channel,
    EventKind,
    Photo,
)
from onecouncil.cases.routing import team_for
from onecouncil.cases.tokens import hash_token
from onecouncil.catalogue.answers import validate_answers
from onecouncil.catalogue.models import QuestionKind, Service, SlaUnit
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council, Team
from onecouncil.core.permissions import Permission
from onecouncil.core.queries import the_one
from onecouncil.core.references import new_reference
from onecouncil.core.working_time import (
    add_working_days,
    add_working_hours,
)
from onecouncil.notify.services import notification_enqueue
from onecouncil.places.lookup import street_point, ward_id_at
from onecouncil.residents.models import Account, Ward
from onecouncil.residents.selectors import nearest_address, place_of


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


STAFF_RECORDED = frozenset({Channel.PHONE, Channel.FACE_TO_FACE, Channel.LETTER, Channel.SOCIAL})


@declares(Permission.CREATE_ON_BEHALF)  # for staff submitting: see _authorise_submitter
def case_create(*, council: Council, request: NewRequest) -> CaseCreated:
    """Create a service request with its first events and confirmation, in one
    transaction, from what the resident (or the channel for them) said.

    A member of staff submitting it (an adviser on the phone, an API client with a staff
    role) needs ``CREATE_ON_BEHALF``; a request recorded by staff (phone, face to face,
    letter, social media) needs a member of staff or the system. Idempotent per
    ``request.submission_key``: submitting the same journey twice returns the request
    the first submission made. Raises ``ValidationError`` (a dict keyed by field) when
    anything is wrong; nothing is saved then.
    """
    _authorise_submitter(council, request)
    service = request.service
    if service.council_id != council.id or not service.is_active:
        raise ValidationError({"service": [_("This service is not available")]})
    # Two-tier areas: the resident answered this council's questions; the request is made
    # in the council that handles the service, with its reference, team and targets.
    handler = service.handled_by if service.handled_by_id is not None else None
    if handler is not None and (not handler.is_active or handler.council_id == council.id):
        raise ValidationError({"service": [_("This service is not available")]})
    owner, owner_service = (handler.council, handler) if handler else (council, service)
    existing = _made_by_key(owner, request.submission_key)
    if existing is not None:
        return CaseCreated(existing, None, created=False)

    contact = request.contact
    if request.preferences.updates_by_sms and not contact.updates_by_sms:
        contact = replace(contact, updates_by_sms=True)
    cleaned, errors = check_request(council, service, request.answers, request.location, contact)
    if contact.by_device and request.channel != Channel.SENSOR:
        errors["anonymous"] = [_("Only a sensor's request is raised by a device")]
    if handler is not None and not errors:
        errors.update(validate_location(handler, request.location))
    photos = _draft_photos(council, service, request.photo_draft_key, errors)
    if errors:
        raise ValidationError(errors)

    intake = Intake(
        council=owner,
        service=owner_service,
        request=replace(request, answers=cleaned, contact=contact),
        received_service=service if handler is not None else None,
        photos=photos,
    )
    try:
        with transaction.atomic():
            return _insert(intake)
    except IntegrityError:
        # A second submit of the same journey raced the first: return what it made.
        existing = _made_by_key(owner, request.submission_key)
        if existing is None:
            raise
        return CaseCreated(existing, None, created=False)


def _authorise_submitter(council: Council, request: NewRequest) -> None:
    actor = request.submitter.actor
    if actor is not None and actor.membership is not None:
        authorise(actor, council_id=council.id, permission=permission_of(case_create))
    elif request.channel in STAFF_RECORDED and not (actor is not None and actor.is_system):
        raise PermissionDenied


def _made_by_key(council: Council, submission_key: uuid.UUID) -> Case | None:
    return the_one(Case.objects.filter(council=council, submission_key=submission_key))


def _draft_photos(
    council: Council,
    service: Service,
    draft_key: uuid.UUID | None,
    errors: dict[str, list[str]],
) -> list[Photo]:
    """The photos the resident added before sending; an error if the service needs one."""
    photos: list[Photo] = []
    if draft_key is not None:
        photos = list(Photo.objects.filter(council=council, draft_key=draft_key, case__isnull=True))
    # From the questions already read with the service (``service_for_resident``).
    photo_question = next(
        (q for q in service.questions.all() if q.kind == QuestionKind.PHOTO and q.required),
        None,
    )
    if photo_question is not None and not photos:
        errors["photos"] = [_("Add a photo: %(q)s") % {"q": photo_question.label}]
    return photos


def check_request(
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
    if location.asset is not None:
        handling = service.handled_by if service.handled_by_id is not None else service
        if handling is None or location.asset.council_id != handling.council_id:
            errors["asset"] = [_("Choose one of the assets of the council that handles it")]
    return cleaned, errors


@dataclass(frozen=True)
class Intake:
    """A request checked and ready to make: the council and service that handle it (in a
    two-tier area, not those whose front door took it: ``received_service``), what was
    said (answers cleaned), and what the writer adds for some channels."""

    council: Council
    service: Service
    request: NewRequest
    received_service: Service | None = None
    photos: Sequence[Photo] = ()
    change_details: dict[str, Any] | None = None
    created_message: str = ""
    confirm: bool = True


def case_create_change_task(
    *,
    account: Account,
    service: Service,
    changes: dict[str, Any],
    effective_date: dt.date | None = None,
    channel: Channel = Channel.WEB,
    actor: Actor | None = None,
    system: dict[str, str] | None = None,
) -> Case:
    """A task in a service team's queue: a resident told us about a change of details
    (for one of the council's systems that holds them: ``system``, its name, its
    reference for them and the lawful basis it holds them on).

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
    if system is not None:
        details["system"] = dict(system)
        summary += "; " + _(
            "update %(name)s, their reference %(ref)s (lawful basis: %(basis)s)"
        ) % {
            "name": system["name"],
            "ref": system["their_reference"],
            "basis": system["lawful_basis"],
        }
    request = NewRequest(
        service=service,
        answers={},
        location=Location(address=account.address),
        contact=Contact(name=account.name, email=account.email, phone=account.phone),
        channel=channel,
        submission_key=uuid.uuid4(),
        channel_detail=_("change of details"),
        language=account.language,
        submitter=Submitter(actor=actor or Actor.system(_("Tell us once")), account=account),
    )
    intake = Intake(
        council=account.council,
        service=service,
        request=request,
        change_details=details,
        created_message=_("The resident told us about a change of details: %(s)s") % {"s": summary},
        confirm=False,
    )
    return _insert(intake).case


def _unused_reference(council: Council) -> str:
    for _attempt in range(10):
        reference = new_reference(council.reference_prefix)
        if not Case.objects.filter(reference=reference).exists():
            return reference
    raise RuntimeError("Could not find an unused reference number")  # 32^7 space: never


@dataclass(frozen=True)
class _Place:
    """Where a request is, with everything derived from what was given."""

    location: Location
    postcode: str
    ward: Ward | None
    street: str
    near: str  # the nearest address, for a pin with no address


def new_case(
    intake: Intake,
    *,
    token: str,
    reported_at: dt.datetime,
    reference: str,
    team_for: Callable[..., Team | None],
) -> Case:
    """A new request, not yet saved, with everything derived from what was given: the
    place (street, ward, coordinates), the team it is routed to, the reporter's details
    and search keys, the due date and the private link's hash. The one place these
    rules live (``case_create`` and ``cases_bulk_load`` both come here)."""
    council, service, request = intake.council, intake.service, intake.request
    place = _place_of(intake)
    address = request.location.address
    location = place.location
    return Case(
        council=council,
        reference=reference,
        service=service,
        channel=request.channel,
        channel_detail=request.channel_detail,
        client_id=request.submitter.client_id,
        answers=dict(request.answers),
        description=request.description.strip()[:4000],
        change_details=intake.change_details or {},
        address=address,
        uprn=address.uprn if address else None,
        street=place.street,
        location_description=location.description.strip(),
        postcode=place.postcode,
        latitude=location.latitude
        if location.latitude is not None
        else (address.latitude if address else None),
        longitude=location.longitude
        if location.longitude is not None
        else (address.longitude if address else None),
        ward=place.ward,
        asset=request.location.asset,
        nearest_address=place.near[:300],
        received_by_id=intake.received_service.council_id if intake.received_service else None,
        received_service=intake.received_service,
        **_reporter_fields(intake),
        private_token_hash=hash_token(token),
        created_at=reported_at,
        team=team_for(service=service, ward=place.ward),
        submission_key=request.submission_key,
        due_at=due_at_for(service, council, reported_at),
    )


def _place_of(intake: Intake) -> _Place:
    """The place: a typed street or postcode put at a point from the gazetteer, the ward
    from the point where the council has ward shapes, the nearest address for a pin."""
    council, location = intake.council, intake.request.location
    address = location.address
    gazetteer = intake.received_service.council if intake.received_service else council
    postcode = address.postcode if address else ""
    if address is None and location.latitude is None and location.street.strip():
        # A street or a postcode typed without a pin: a point from the gazetteer, so every
        # request with a place has coordinates and a ward.
        location, postcode = _placed_by_gazetteer(gazetteer, location)
    ward = address.ward if address else None
    street = location.street.strip() or (address.street if address else "")
    ward_id = None
    if location.latitude is not None and location.longitude is not None:
        # The point decides the ward where the council has ward shapes (point in polygon).
        ward_id = ward_id_at(council.pk, location.latitude, location.longitude)
        if ward_id is not None and (ward is None or ward.pk != ward_id):
            ward = Ward.objects.filter(pk=ward_id).first() or ward
    near = ""
    if address is None and location.latitude is not None and location.longitude is not None:
        # The gazetteer is the receiving council's (a district's, in a two-tier area).
        nearest = nearest_address(
            council=gazetteer, latitude=location.latitude, longitude=location.longitude
        )
        if nearest is not None:
            ward = ward if ward_id is not None or intake.received_service else nearest.ward
            street = street or nearest.street
            near = nearest.single_line
    return _Place(location, postcode, ward, street, near)


def _reporter_fields(intake: Intake) -> dict[str, Any]:
    """Who made it: their details (none for an anonymous report), the search keys, what
    they chose, and the account and person it belongs to."""
    request, council = intake.request, intake.council
    contact, preferences = request.contact, request.preferences
    anonymous = contact.anonymous
    account = request.submitter.account
    received = intake.received_service
    if account is not None and account.council_id not in (
        council.id,
        received and received.council_id,
    ):
        account = None
    email = "" if anonymous else contact.email.strip()
    phone = "" if anonymous else contact.phone.strip()
    return {
        "contact_name": "" if anonymous else contact.name.strip(),
        "contact_email": email,
        "contact_phone": phone,
        **contact_keys(email=email, phone=phone),
        "is_anonymous": anonymous,
        "updates_by_sms": bool(
            (preferences.updates_by_sms or contact.updates_by_sms) and not anonymous and phone
        ),
        "councillor_consent": preferences.councillor_consent and not anonymous,
        "account": account,
        # A verified account vouches for its own email address.
        "person_id": account.person_id
        if account is not None
        and account.is_verified
        and contact.email.strip().lower() == account.email
        else None,
    }


def _published_at_once(council: Council, service: Service, case: Case) -> bool:
    """Where the council chose it, a public request's description goes on its public page
    as it is made, when the masking module and the reporter's own details find nothing
    personal in it (``Council.publish_descriptions_automatically``)."""
    words = case.description.strip()
    if not (council.publish_descriptions_automatically and service.is_public and words):
        return False
    if public_words_refused(case, words):
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


def _insert(intake: Intake) -> CaseCreated:
    """Save the request, hand over its photos, append its first events, tell the
    registered adapters (in this transaction), queue its confirmation and webhooks."""
    council, request = intake.council, intake.request
    token = secrets.token_urlsafe(24)
    case = new_case(
        intake,
        token=token,
        reported_at=timezone.now(),
        reference=_unused_reference(council),
        team_for=team_for,
    )
    published = _published_at_once(council, intake.service, case)
    case.save(force_insert=True)
    photos = list(intake.photos)
    for photo in photos:
        photo.case = case
        photo.council = council  # the handling council's, in a two-tier area
    Photo.objects.bulk_update(photos, ["case", "council"])
    _first_events(case, intake, published=published)
    # In the request's transaction: what adapters keep of a new request (sendon queues
    # it to be sent on) commits with it or not at all.
    case_created_tell(case)
    if intake.confirm:
        _confirm(case, token, request.language)
    publish(case, "created")
    return CaseCreated(case, token, created=True)


def _first_events(case: Case, intake: Intake, *, published: bool) -> None:
    """Its description published at once (where the council chose it), received (public),
    any staff-only notes made with it, and where it was routed."""
    request = intake.request
    channel_actor = request.submitter.actor or Actor.system(str(case.get_channel_display()))
    events = (
        [
            FirstEvent(
                kind=EventKind.DESCRIPTION_PUBLISHED,
                is_public=False,
                actor=Actor.system(_("Publishing")),
                message=_("Published at once: nothing personal was found in it"),
            )
        ]
        if published
        else []
    )
    events += [
        FirstEvent(
            kind=EventKind.CREATED,
            is_public=True,
            actor=channel_actor,
            message=_("We have received your request."),
            data={"channel": request.channel, "channel_detail": request.channel_detail},
        )
    ]
    notes = list(request.internal_notes)
    if intake.created_message:
        notes.insert(0, (intake.created_message, {"changes": intake.change_details or {}}))
    events += [
        FirstEvent(kind=EventKind.NOTE, is_public=False, actor=channel_actor, message=m, data=d)
        for m, d in notes
    ]
    if case.team is not None:
        events.append(
            FirstEvent(
                kind=EventKind.ROUTED,
                is_public=False,
                actor=Actor.system(_("Routing")),
                data={"team": case.team.name, "team_id": case.team.pk},
            )
        )
    events_append_first(case=case, events=events)


def _confirm(case: Case, token: str, language: str) -> None:
    """The reporter's confirmation, by each way they chose, with their private link."""
    context = {
        **message_context(case),
        "private_url": private_url(case, token),
        "due_date": due_date_text(case),
    }
    for notify_channel, recipient in reporter_channels(case):
        notification_enqueue(
            council=case.council,
            kind="case_confirmation",
            channel=notify_channel,
            recipient=recipient,
            subject_reference=case.reference,
            language=language,
            context=context,
        )
