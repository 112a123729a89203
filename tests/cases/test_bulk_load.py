"""cases_bulk_load: earlier requests in bulk, by the same rules and derivations as
case_create, dated when they were reported, with nothing sent."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from onecouncil.cases.actions import EarlierRequest, cases_bulk_load, due_at_for
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import Case, CaseEvent, Channel, EventKind, Status
from onecouncil.notify.models import Notification
from onecouncil.webhooks.models import Delivery, Subscription
from tests.factories import make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}


def _earlier(service, address, when, **overrides):
    values = {
        "service": service,
        "answers": ANSWERS,
        "location": Location(address=address),
        "contact": Contact(name="Ada Lovelace", email="Ada@Example.com", phone="07700 900123"),
        "channel": Channel.PHONE,
        "reported_at": when,
    }
    values.update(overrides)
    return EarlierRequest(**values)


def test_earlier_requests_load_with_their_dates_keys_routing_and_events(
    council, missed_bin, address
):
    Subscription.objects.create(
        council=council,
        name="CRM",
        url="https://crm.example/hook",
        secret="s" * 32,
        event_types=["created", "status_changed"],
        service_codes=[],
    )
    live = make_case(missed_bin, answers=ANSWERS).case  # one made today, to stay apart
    assert Delivery.objects.filter(payload__request__reference=live.reference).exists()
    when = timezone.now() - dt.timedelta(days=40)
    loaded = cases_bulk_load(
        council=council,
        requests=[
            _earlier(missed_bin, address, when),
            _earlier(missed_bin, address, when + dt.timedelta(days=1), status=Status.CLOSED),
            _earlier(missed_bin, address, when + dt.timedelta(days=2), status=Status.IN_PROGRESS),
        ],
        batch_size=2,
    )
    assert loaded == 3
    cases = list(Case.objects.exclude(pk=live.pk).order_by("created_at"))
    assert len({c.reference for c in cases}) == 3
    assert all(c.reference.startswith("RVB-") for c in cases)
    first, closed, working = cases
    assert first.created_at == when
    assert first.due_at == due_at_for(missed_bin, council, when)
    assert first.email_key == "ada@example.com" and first.phone_key == "+447700900123"
    assert first.team == missed_bin.team and first.ward == address.ward
    assert first.uprn == address.uprn and first.street == address.street
    assert closed.status == Status.CLOSED and closed.closed_at == closed.created_at
    assert working.status == Status.IN_PROGRESS
    kinds = list(working.events.order_by("id").values_list("kind", flat=True))
    assert kinds == [EventKind.CREATED, EventKind.ROUTED, EventKind.STATUS_CHANGED]
    assert set(CaseEvent.objects.filter(case=first).values_list("created_at", flat=True)) == {when}
    # Nothing new happened to anyone: no confirmation, no webhook.
    assert not Notification.objects.exclude(subject_reference=live.reference).exists()
    assert not Delivery.objects.exclude(payload__request__reference=live.reference).exists()


def test_a_request_with_an_error_names_its_position_and_saves_nothing_of_its_batch(
    council, missed_bin, address
):
    when = timezone.now() - dt.timedelta(days=3)
    with pytest.raises(ValidationError) as caught:
        cases_bulk_load(
            council=council,
            requests=[
                _earlier(missed_bin, address, when),
                _earlier(missed_bin, address, when, answers={"which_bin": "purple"}),
            ],
        )
    assert "request 2 answer-which_bin" in caught.value.message_dict
    assert not Case.objects.exists()


def test_a_service_of_another_council_is_refused(council, other_council, missed_bin, address):
    from tests.factories import ServiceFactory

    theirs = ServiceFactory(council=other_council, code="theirs")
    with pytest.raises(ValidationError):
        cases_bulk_load(
            council=council, requests=[_earlier(theirs, address, timezone.now(), answers={})]
        )
    assert not Case.objects.exists()
