"""Area alerts: anyone subscribes to new reports near a place or in a ward, confirms by
email, and can stop from every message; councillors hear about their wards, private
services counted and never described."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from onecouncil.alerts.models import AreaAlert
from onecouncil.alerts.services import (
    alert_subscribe,
    alert_unsubscribe,
    alerts_send,
    ward_alert_set,
)
from onecouncil.cases.inputs import Location
from onecouncil.cases.models import Case
from onecouncil.cases.privacy import PersonQuery, subject_access_export
from onecouncil.core.models import Membership, Role
from onecouncil.core.privacy import PersonKeys, erase_everywhere
from onecouncil.notify.services import outbox_process
from tests.factories import AddressFactory, ServiceFactory, WardFactory, make_case

HERE = (52.486200, -1.890400)


def _at(service, metres_north=0.0, ward=None, street="Mill Lane"):
    case = make_case(
        service,
        location=Location(
            latitude=HERE[0] + metres_north / 111_195,
            longitude=HERE[1],
            street=street,
            description="By the kerb",
        ),
    ).case
    if ward is not None:
        Case.objects.filter(pk=case.pk).update(ward=ward)
    return case


def _age(minutes=5):
    """Make every request so far old enough to be told."""
    Case.objects.update(created_at=timezone.now() - dt.timedelta(minutes=minutes))


def _later(alert, hours=2):
    AreaAlert.objects.filter(pk=alert.pk).update(
        sent_up_to=timezone.now() - dt.timedelta(hours=hours)
    )


def _mails():
    """What the alerts sent (not the requests' own confirmations to their reporters)."""
    outbox_process()
    sent = [m for m in mail.outbox if "sam@example.com" not in m.to]
    mail.outbox.clear()
    return sent


@pytest.fixture
def services(council):
    return (
        ServiceFactory(council=council, code="pothole", name="Report a pothole"),
        ServiceFactory(council=council, code="care", name="Adult care", visibility="private"),
    )


def test_subscribe_confirm_send_and_stop_through_the_pages(client, council, services):
    pothole, care = services
    AddressFactory(
        council=council, street="Mill Lane", postcode="RB1 1AA", latitude=HERE[0], longitude=HERE[1]
    )
    page = client.get("/riverbend/reports/", {"place": "RB1 1AA"}).text
    assert "Get an email about new reports" in page
    form = {
        "alert-lat": f"{HERE[0]:.6f}",
        "alert-lon": f"{HERE[1]:.6f}",
        "alert-distance": "500",
        "alert-area": "near",
    }
    bad = client.post("/riverbend/reports/alerts/", {**form, "alert-email": "not-an-email"})
    assert (
        bad.status_code == 400
        and "correct format" in bad.text
        and "govuk-error-summary" in bad.text
    )
    empty = client.post("/riverbend/reports/alerts/", form)
    assert empty.status_code == 400 and "Enter your email address" in empty.text
    asked = client.post("/riverbend/reports/alerts/", {**form, "alert-email": "Near@Example.com"})
    assert asked["Location"] == "/riverbend/reports/alerts/asked/"
    # A double submit makes one alert and one email.
    client.post("/riverbend/reports/alerts/", {**form, "alert-email": "near@example.com"})
    assert "Check your email" in client.get(asked["Location"]).text
    alert = AreaAlert.objects.get()
    assert alert.email == "near@example.com" and alert.confirmed_at is None
    # The place is named by the server (the nearest address's street), not by the form.
    assert alert.radius_metres == 500 and alert.place_name.startswith("Mill Lane")
    sent = _mails()
    [confirm] = sent
    assert "Confirm your alerts" in confirm.subject
    link = next(line for line in confirm.body.splitlines() if "/alerts/confirm/" in line)
    path = (
        link.split("127.0.0.1:8000", 1)[-1]
        if "127.0.0.1" in link
        else link[link.index("/riverbend/") :]
    )
    # Opening the link (a mail scanner) does not confirm; the button does.
    assert "Yes, start my alerts" in client.get(path).text
    alert.refresh_from_db()
    assert alert.confirmed_at is None
    assert "Your alerts have started" in client.post(path).text
    alert.refresh_from_db()
    assert alert.confirmed_at is not None
    # Nothing new: nothing sent.
    _later(alert)
    assert alerts_send() == 0 and _mails() == []
    report = _at(pothole, 100)
    secret = _at(care, 10, street="Secret Street")
    far = _at(pothole, 2000, street="Far Road")
    _age()
    _later(alert)
    assert alerts_send() == 1
    [told] = _mails()
    assert report.reference in told.body and "Mill Lane" in told.body
    assert (
        secret.reference not in told.body
        and "Secret" not in told.body
        and far.reference not in told.body
    )
    assert "not public" not in told.body and "Sam Resident" not in told.body
    # At most once an hour: straight away again, nothing.
    _at(pothole, 50)
    _age()
    assert alerts_send() == 0
    stop = next(line for line in told.body.splitlines() if "/alerts/stop/" in line)
    stop_path = stop[stop.index("/riverbend/") :]
    assert "Stop these alerts?" in client.get(stop_path).text
    assert "Your alerts have stopped" in client.post(stop_path).text
    alert.refresh_from_db()
    assert alert.unsubscribed_at is not None and alert.email == ""
    _later(alert)
    assert alerts_send() == 0
    # The links are the council's own: another council's token is not found.
    assert client.get(stop_path.replace("/riverbend/", "/northfield/")).status_code == 404


def test_ward_alerts_and_the_outside_and_rate_limits(council, services):
    pothole, _care = services
    ward = WardFactory(council=council, name="Weir Fields")
    alert = alert_subscribe(council=council, email="w@example.com", place_name="x", ward=ward).alert
    assert alert.ward == ward and alert.latitude is None
    assert "new reports in Weir Fields ward" in _mails()[0].body
    alert.confirmed_at = timezone.now()
    alert.save()
    _at(pothole, 5000, ward=ward, street="Long Road")
    _age()
    _later(alert)
    assert alerts_send() == 1
    assert "Long Road" in _mails()[0].body
    with pytest.raises(ValidationError) as error:
        alert_subscribe(
            council=council, email="w@example.com", place_name="x", point=HERE, radius=7
        )
    assert "how far" in str(error.value)
    for n in range(10):
        alert_subscribe(
            council=council,
            email=f"a{n}@example.com",
            place_name="x",
            point=HERE,
            radius=100,
            ip="9.9.9.9",
        )
    with pytest.raises(ValidationError) as error:
        alert_subscribe(
            council=council,
            email="b@example.com",
            place_name="x",
            point=HERE,
            radius=100,
            ip="9.9.9.9",
        )
    assert "a lot of alerts" in str(error.value)
    # Three confirmation emails a day to one address at most, however often it is asked.
    _mails()
    for radius in (100, 250, 500, 1000):
        alert_subscribe(
            council=council, email="many@example.com", place_name="x", point=HERE, radius=radius
        )
    assert len(_mails()) == 3


def test_unconfirmed_alerts_are_forgotten_and_erasure_reaches_them(council):
    old = alert_subscribe(
        council=council, email="old@example.com", place_name="x", point=HERE, radius=100
    ).alert
    AreaAlert.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    kept = alert_subscribe(
        council=council, email="kept@example.com", place_name="x", point=HERE, radius=100
    ).alert
    alerts_send()
    assert list(AreaAlert.objects.all()) == [kept]
    # A subject access export lists the alert, through the one registry of stores.
    admin = Membership.objects.create(
        council=council,
        user=get_user_model().objects.create_user("dpo@riverbend.example"),
        role=Role.ADMINISTRATOR,
    ).user
    document = json.loads(
        subject_access_export(
            council=council, query=PersonQuery(email="kept@example.com"), user=admin
        )
    )
    (listed,) = document["area_alerts"]
    assert listed["email"] == "kept@example.com" and listed["within_metres"] == 100
    assert listed["confirmed"] is None
    erase_everywhere(PersonKeys(council_id=council.pk, emails=frozenset({"kept@example.com"})))
    assert not AreaAlert.objects.exists()
    assert alert_unsubscribe(council=council, token="nothing") is None


def test_a_councillor_hears_of_their_wards_with_private_services_only_counted(
    council, services, django_user_model
):
    pothole, care = services
    river = WardFactory(council=council, code="E05000001", name="River")
    other = WardFactory(council=council, code="E05000002", name="Hill")
    user = django_user_model.objects.create_user("cllr", email="cllr@example.com", password="x")
    member = Membership.objects.create(
        user=user, council=council, role=Role.COUNCILLOR, ward_codes=["E05000001"]
    )
    alert = ward_alert_set(membership=member, on=True)
    assert alert.confirmed_at is not None
    public = _at(pothole, 0, ward=river)
    private = _at(care, 0, ward=river, street="Secret Street")
    _at(pothole, 0, ward=other, street="Hill Road")
    _age()
    _later(alert)
    assert alerts_send() == 1
    [told] = _mails()
    assert told.to == ["cllr@example.com"]
    assert public.reference in told.body and "/staff/cases/" in told.body
    assert (
        private.reference not in told.body
        and "Secret" not in told.body
        and "Adult care" not in told.body
    )
    assert "1 new request for a service that is not public" in told.body
    assert "Hill Road" not in told.body
    ward_alert_set(membership=member, on=False)
    _at(care, 0, ward=river)
    _age()
    _later(alert)
    assert alerts_send() == 0
    officer = Membership.objects.create(
        user=django_user_model.objects.create_user("o"), council=council, role=Role.CASE_OFFICER
    )
    with pytest.raises(ValidationError):
        ward_alert_set(membership=officer, on=True)


def test_every_alert_email_stops_in_one_click_and_accounts_list_their_alerts(
    client, council, services
):
    """The confirmation carries a stop link too; every alert email has List-Unsubscribe
    headers whose one-click POST (no cookie, no CSRF token) stops it; a signed-in
    resident lists their alerts and stops one."""
    from django.test import Client

    from tests.frontdoor.test_accounts import make_account, signed_in_client

    _pothole, _care = services
    alert = alert_subscribe(
        council=council,
        email="sam.near@example.com",
        place_name="Mill Lane",
        point=HERE,
        radius=500,
    ).alert
    [confirm] = _mails()
    assert f"/alerts/stop/{alert.token}/" in confirm.body
    assert confirm.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert f"/alerts/stop/{alert.token}/>" in confirm.extra_headers["List-Unsubscribe"]
    one_click = Client(enforce_csrf_checks=True).post(
        f"/riverbend/alerts/stop/{alert.token}/", {"List-Unsubscribe": "One-Click"}
    )
    assert one_click.status_code == 200
    alert.refresh_from_db()
    assert alert.unsubscribed_at is not None

    account = make_account(council, email="sam.near@example.com")
    kept = alert_subscribe(
        council=council,
        email="sam.near@example.com",
        place_name="Weir Road",
        point=HERE,
        radius=250,
    ).alert
    other = alert_subscribe(
        council=council, email="someone@example.com", place_name="Weir Road", point=HERE, radius=250
    ).alert
    resident = signed_in_client(account)
    home = resident.get("/riverbend/account/").text
    assert "New reports within 250 metres of Weir Road" in home and "Mill Lane" not in home
    assert resident.post(f"/riverbend/account/alerts/{other.pk}/stop/").status_code == 404
    resident.post(f"/riverbend/account/alerts/{kept.pk}/stop/")
    kept.refresh_from_db()
    other.refresh_from_db()
    assert kept.unsubscribed_at is not None and other.unsubscribed_at is None


def test_area_and_ward_alerts_are_atom_feeds_of_public_reports(client, council, services):
    import xml.etree.ElementTree as ET

    pothole, care = services
    ward = WardFactory(council=council, name="Abbey", code="E05000001")
    report = _at(pothole, 100, ward=ward)
    secret = _at(care, 10, ward=ward, street="Secret Street")
    near = client.get(
        "/riverbend/reports/feed/", {"lat": f"{HERE[0]}", "lon": f"{HERE[1]}", "distance": "500"}
    )
    assert near.status_code == 200 and near["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(near.content)
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in root.iter(f"{atom}entry")]
    assert titles == [f"{report.reference}: Report a pothole, Mill Lane"]
    assert secret.reference not in near.text and "Sam Resident" not in near.text
    by_ward = client.get("/riverbend/reports/feed/", {"ward": "E05000001"})
    assert report.reference in by_ward.text and secret.reference not in by_ward.text
    assert "in Abbey ward" in by_ward.text
    assert client.get("/riverbend/reports/feed/", {"ward": "nope"}).status_code == 400
    bad = client.get("/riverbend/reports/feed/", {"lat": "52.4", "lon": "-1.9", "distance": "7"})
    assert bad.status_code == 400 and b"100, 250, 500 or 1000" in bad.content
