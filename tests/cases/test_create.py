"""case_create: the one way every channel makes a request."""

import datetime as dt
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from onecouncil.cases.actions import case_confirm_contact
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import Case, CaseEvent, EventKind
from onecouncil.cases.tokens import token_matches
from onecouncil.notify.models import Notification
from onecouncil.residents.models import Person
from tests.factories import AddressFactory, make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


def test_create_saves_request_with_reference_events_and_confirmation(missed_bin, address):
    result = make_case(missed_bin, answers=ANSWERS, location=Location(address=address))
    case = result.case
    assert result.created
    assert case.reference.startswith("RVB-")
    assert case.status == "received"
    assert case.uprn == address.uprn and case.ward == address.ward
    assert case.street == "Mill Lane" and case.postcode == "RB1 2AB"
    assert case.team == missed_bin.team
    assert token_matches(case, result.private_token)
    kinds = list(case.events.values_list("kind", "is_public"))
    assert kinds == [(EventKind.CREATED, True), (EventKind.ROUTED, False)]
    notification = Notification.objects.get(subject_reference=case.reference)
    assert notification.recipient == "sam@example.com"
    assert notification.context["private_url"].endswith(f"/{result.private_token}/")


def test_due_date_comes_from_the_service_target(missed_bin):
    case = make_case(missed_bin, answers=ANSWERS).case
    local_due = timezone.localtime(case.due_at)
    assert local_due.hour == 17
    assert (local_due.date() - timezone.localdate()).days >= 2


def test_same_submission_key_never_makes_a_second_request(missed_bin):
    key = uuid.uuid4()
    first = make_case(missed_bin, answers=ANSWERS, submission_key=key)
    second = make_case(missed_bin, answers=ANSWERS, submission_key=key)
    assert second.case.pk == first.case.pk
    assert not second.created and second.private_token is None
    assert Case.objects.count() == 1
    assert Notification.objects.count() == 1


def test_invalid_request_saves_nothing_and_explains_each_field(missed_bin):
    with pytest.raises(ValidationError) as excinfo:
        make_case(
            missed_bin,
            answers={"which_bin": "purple"},
            location=Location(),
            contact=Contact(name="", email="not-an-email"),
        )
    errors = excinfo.value.message_dict
    assert set(errors) >= {"answer-which_bin", "answer-out_by_7am", "location", "email"}
    assert "name" not in errors  # a name is never required
    assert not Case.objects.exists() and not CaseEvent.objects.exists()


@pytest.mark.parametrize(
    ("contact", "field"),
    [
        (Contact(name="Sam"), "email"),  # neither email nor phone
        (Contact(phone="12345"), "phone"),  # not a number anyone can be called on
        (Contact(email="sam@example.com", updates_by_sms=True), "phone"),  # texts need a phone
    ],
)
def test_the_one_contact_rule(missed_bin, contact, field):
    with pytest.raises(ValidationError) as excinfo:
        make_case(missed_bin, answers=ANSWERS, contact=contact)
    assert field in excinfo.value.message_dict


def test_a_phone_alone_is_enough_and_a_name_is_never_required(missed_bin):
    case = make_case(missed_bin, answers=ANSWERS, contact=Contact(phone="07700 900 982")).case
    assert case.phone_key == "+447700900982" and case.contact_name == ""


def test_anonymous_only_where_the_service_allows(missed_bin):
    with pytest.raises(ValidationError) as excinfo:
        make_case(missed_bin, answers=ANSWERS, contact=Contact(anonymous=True))
    assert "anonymous" in excinfo.value.message_dict
    missed_bin.anonymous_allowed = True
    missed_bin.save()
    case = make_case(
        missed_bin,
        answers=ANSWERS,
        contact=Contact(name="Hidden", email="h@example.com", anonymous=True),
    ).case
    assert case.is_anonymous and case.contact_name == "" and case.contact_email == ""
    assert not Notification.objects.exists()


def test_an_address_of_another_council_is_refused(missed_bin, other_council):
    elsewhere = AddressFactory(council=other_council)
    with pytest.raises(ValidationError) as excinfo:
        make_case(missed_bin, answers=ANSWERS, location=Location(address=elsewhere))
    assert "address" in excinfo.value.message_dict


def test_a_service_of_another_council_is_refused(missed_bin, other_council):
    with pytest.raises(ValidationError):
        make_case(missed_bin, council=other_council, answers=ANSWERS)


def test_coordinates_find_the_ward_of_the_nearest_address(missed_bin, address):
    case = make_case(
        missed_bin, answers=ANSWERS, location=Location(latitude=52.48005, longitude=-1.89002)
    ).case
    assert case.ward == address.ward and case.street == "Mill Lane"


@pytest.mark.parametrize(
    ("location", "field"),
    [
        (Location(latitude=48.0, longitude=-1.0), None),
        (Location(street="Mill Lane"), "description"),
        (Location(description="by the bench"), "street"),
    ],
)
def test_incomplete_places_are_explained(missed_bin, location, field):
    if location.latitude is not None:
        from onecouncil.cases.inputs import parse_coordinate

        with pytest.raises(ValidationError):
            parse_coordinate("48.0", "lat")
        return
    with pytest.raises(ValidationError) as excinfo:
        make_case(missed_bin, answers=ANSWERS, location=location)
    assert field in excinfo.value.message_dict


def test_opening_the_private_link_confirms_the_email_and_links_the_person(missed_bin):
    first = make_case(missed_bin, answers=ANSWERS).case
    second = make_case(
        missed_bin, answers=ANSWERS, contact=Contact(name="Sam R", email="SAM@example.com")
    ).case
    case_confirm_contact(case=first)
    case_confirm_contact(case=second)
    case_confirm_contact(case=second)  # twice is harmless
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.person is not None and first.person == second.person
    assert Person.objects.count() == 1
    assert second.events.filter(kind=EventKind.CONTACT_VERIFIED).count() == 1
    # The request keeps the details exactly as given.
    assert second.contact_email == "SAM@example.com"


def test_events_are_append_only(missed_bin):
    event = make_case(missed_bin, answers=ANSWERS).case.events.first()
    event.message = "rewritten"
    with pytest.raises(RuntimeError):
        event.save()


def test_reference_is_unique_across_many_requests(missed_bin):
    references = {make_case(missed_bin, answers=ANSWERS).case.reference for _ in range(50)}
    assert len(references) == 50
    assert (
        Case.objects.filter(created_at__gte=timezone.now() - dt.timedelta(minutes=5)).count() == 50
    )
