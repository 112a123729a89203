"""Report once: before giving their details, a resident sees open requests of the same
problem nearby and can follow one instead of filing again."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from onecouncil.cases.access import nearby_open_requests
from onecouncil.cases.actions import case_change_status
from onecouncil.cases.inputs import Location
from onecouncil.cases.models import Case, Follower
from onecouncil.catalogue.versions import catalogue_changed
from onecouncil.core.actors import Actor
from onecouncil.notify.services import outbox_process
from tests.factories import ServiceFactory, make_case
from tests.frontdoor.test_journey import BASE, answer_questions

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}
HERE = (52.486200, -1.890400)


def _at(service, metres_north: float, **kwargs):
    return make_case(
        service,
        answers=ANSWERS if service.code == "missed-bin" else {},
        location=Location(latitude=HERE[0] + metres_north / 111_195, longitude=HERE[1]),
        **kwargs,
    ).case


def test_the_nearby_query_keeps_to_radius_window_service_and_privacy(council, missed_bin):
    near = _at(missed_bin, 20)
    edge = _at(missed_bin, 49)
    _at(missed_bin, 80)  # outside the 50 m radius
    old = _at(missed_bin, 10)
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=31))
    closed = _at(missed_bin, 5)
    case_change_status(case=closed, status="fixed", actor=Actor.system("Crew"))
    other = ServiceFactory(council=council, code="graffiti", location_required=False)
    _at(other, 3)
    found = nearby_open_requests(service=missed_bin, latitude=HERE[0], longitude=HERE[1])
    assert [n.case for n in found] == [near, edge]
    assert 19 < found[0].metres < 21
    missed_bin.related_services.add(other)
    assert len(nearby_open_requests(service=missed_bin, latitude=HERE[0], longitude=HERE[1])) == 3
    missed_bin.visibility = "private"
    missed_bin.save()
    catalogue_changed(council_id=missed_bin.council_id)  # as the admin and the import do
    assert nearby_open_requests(service=missed_bin, latitude=HERE[0], longitude=HERE[1]) == []


def _to_nearby(client):
    answer_questions(client)
    return client.post(
        f"{BASE}/location/",
        {"action": "continue", "latitude": str(HERE[0]), "longitude": str(HERE[1])},
    )


def test_a_resident_follows_the_existing_report_instead(client, council, missed_bin):
    existing = _at(missed_bin, 15)
    outbox_process()
    mail.outbox.clear()
    response = _to_nearby(client)
    assert response["Location"] == f"{BASE}/nearby/"
    page = client.get(f"{BASE}/nearby/").text
    assert "Has this already been reported?" in page and existing.reference in page
    assert "About 15 metres away" in page and "Sam Resident" not in page
    # On the map too: the place given, and the request at its street (rounded).
    assert 'id="nearby-points"' in page
    assert f"[{round(existing.longitude, 3)}, {round(existing.latitude, 3)}]" in page
    assert f"{existing.latitude:.6f}" not in page
    wrong = client.post(f"{BASE}/nearby/", {"action": "follow", "reference": "RVB-XXXX-XXXX"})
    assert wrong.status_code == 400 and "Choose the request" in wrong.text
    # A missing address is the email field's error, not the choice's.
    no_email = client.post(f"{BASE}/nearby/", {"action": "follow", "reference": existing.reference})
    assert no_email.status_code == 400
    assert 'id="follow-email-error"' in no_email.text and 'id="nearby-error"' not in no_email.text
    assert 'href="#follow-email"' in no_email.text
    done = client.post(
        f"{BASE}/nearby/",
        {"action": "follow", "reference": existing.reference, "email": "nb@example.com"},
    )
    assert "You do not need to report it again" in done.text
    follower = Follower.objects.get(case=existing)
    assert follower.email == "nb@example.com" and follower.confirmed_at is None
    outbox_process()
    assert any("Confirm you want updates" in m.subject for m in mail.outbox)
    assert Case.objects.count() == 1
    # The journey is over: its draft is gone.
    assert client.get(f"{BASE}/contact/")["Location"] == f"{BASE}/questions/"


def test_mine_is_different_continues_the_report(client, council, missed_bin):
    _at(missed_bin, 15)
    _to_nearby(client)
    response = client.post(f"{BASE}/nearby/", {"action": "different"})
    assert response["Location"] == f"{BASE}/photos/"


@pytest.mark.parametrize("visibility", ["private"])
def test_nothing_nearby_or_private_goes_straight_on(client, council, missed_bin, visibility):
    assert _to_nearby(client)["Location"] == f"{BASE}/photos/"
    _at(missed_bin, 15)
    missed_bin.visibility = visibility
    missed_bin.save()
    catalogue_changed(council_id=missed_bin.council_id)  # as the admin and the import do
    assert _to_nearby(client)["Location"] == f"{BASE}/photos/"
