"""Who may see what: public and private services, public updates and private messages,
free text published by staff, councillors without consent, and following with consent."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from onecouncil.api.keys import api_key_issue
from onecouncil.cases.actions import (
    FOLLOWS_PER_CLIENT_HOUR,
    WorkflowError,
    case_add_update,
    case_follow,
    case_mark_duplicate,
    case_send_message,
)
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import CaseEvent, EventKind, Follower, ResponseTemplate
from onecouncil.catalogue.exchange import catalogue_import
from onecouncil.catalogue.models import Service
from onecouncil.core.actors import Actor
from onecouncil.core.models import Role
from onecouncil.notify.services import outbox_process
from tests.backoffice_helpers import staff
from tests.factories import ServiceFactory, make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}
OFFICER = Actor.system("Officer")
STAFF = "/riverbend/staff"
O311 = "/open311/v2"


@pytest.fixture
def discount(council):
    return ServiceFactory(
        council=council,
        code="ctax-discount",
        name="Apply for a single person discount",
        visibility="private",
        location_required=False,
    )


@pytest.fixture
def private_case(discount):
    return make_case(
        discount, contact=Contact(name="Jo Private", email="jo@example.com"), location=Location()
    ).case


def test_a_new_service_is_private_unless_the_council_says_otherwise(council, missed_bin):
    group = missed_bin.group
    assert Service(council=council, group=group, code="x", name="X").visibility == "private"
    catalogue_import(
        council=council,
        text=f"""
groups: [{{slug: {group.slug}, name: Bins}}]
services:
  - {{code: quiet, name: Quiet one, group: {group.slug}, pattern: request, description: d}}
  - {{code: loud, name: Loud one, group: {group.slug}, pattern: report, description: d,
      visibility: public}}
""",
    )
    assert Service.objects.get(code="quiet").visibility == "private"
    assert Service.objects.get(code="loud").visibility == "public"


def test_a_private_request_is_in_no_public_place(client, council, private_case, missed_bin):
    public = make_case(missed_bin, answers=ANSWERS).case
    listed = client.get(f"{O311}/requests.json", {"jurisdiction_id": "riverbend"}).json()
    assert [r["service_request_id"] for r in listed] == [public.reference]
    one = client.get(f"{O311}/requests/{private_case.reference}.json?jurisdiction_id=riverbend")
    assert one.status_code == 404
    case_send_message(case=private_case, message="We have approved your discount", actor=OFFICER)
    updates = client.get(f"{O311}/servicerequestupdates.json", {"jurisdiction_id": "riverbend"})
    assert "approved" not in updates.text
    # The tracking page says it exists and nothing else: not the service, not the status.
    page = client.get(f"/riverbend/track/{private_case.reference}/").text
    assert "We have this request" in page
    for secret in ("single person discount", "approved", "Received", "Follow"):
        assert secret not in page
    # Nobody else can follow it, by the page or the service.
    client.post(f"/riverbend/track/{private_case.reference}/follow/", {"email": "x@example.com"})
    assert not Follower.objects.exists()
    with pytest.raises(ValidationError, match="private"):
        case_follow(case=private_case, email="x@example.com")


def test_a_household_service_shows_only_the_ward(client, council, missed_bin, address):
    missed_bin.visibility = "ward"
    missed_bin.save()
    case = make_case(missed_bin, answers=ANSWERS, location=Location(address=address)).case
    item = client.get(
        f"{O311}/requests/{case.reference}.json", {"jurisdiction_id": "riverbend"}
    ).json()[0]
    assert item["address"] == case.ward.name
    assert item["lat"] is None and item["long"] is None and item["zipcode"] is None
    page = client.get(f"/riverbend/track/{case.reference}/").text
    assert f"{case.ward.name} ward" in page and "Mill Lane" not in page


def test_public_updates_and_private_messages(client, council, missed_bin, private_case):
    with pytest.raises(WorkflowError, match="private request"):
        case_add_update(case=private_case, message="Approved", actor=OFFICER)
    public = make_case(missed_bin, answers=ANSWERS).case
    Follower.objects.create(
        council=council, case=public, email="n@example.com", confirmed_at=public.created_at
    )
    outbox_process()
    mail.outbox.clear()
    case_send_message(case=public, message="Can you call us, Sam?", actor=OFFICER)
    outbox_process()
    assert [m.to for m in mail.outbox] == [["sam@example.com"]]
    assert "Can you call us" not in client.get(f"/riverbend/track/{public.reference}/").text
    event = CaseEvent.objects.get(case=public, kind=EventKind.MESSAGE)
    assert not event.is_public
    # The person who made it sees the message on their private page.
    mail.outbox.clear()
    case_add_update(case=public, message="Crew booked", actor=OFFICER)
    outbox_process()
    assert sorted(m.to[0] for m in mail.outbox) == ["n@example.com", "sam@example.com"]


def test_a_template_that_names_the_resident_cannot_be_public(council):
    template = ResponseTemplate(council=council, name="Hi", body="Dear {name}, done.")
    with pytest.raises(ValidationError, match="cannot include"):
        template.full_clean()
    template.use = "message"
    template.full_clean()
    unknown = ResponseTemplate(council=council, name="Typo", body="Ref {refrence}")
    with pytest.raises(ValidationError, match="no placeholder"):
        unknown.full_clean()


def test_the_admin_refuses_a_public_template_with_a_name(client, council, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-123456789")
    client.force_login(admin)
    response = client.post(
        "/admin/cases/responsetemplate/add/",
        {"council": council.pk, "name": "Hi", "body": "Dear {name}", "use": "public_update"},
    )
    assert response.status_code == 200 and "cannot include" in response.text
    assert not ResponseTemplate.objects.exists()


def test_free_text_from_an_api_client_is_public_only_once_staff_publish_it(
    client, council, missed_bin
):
    key = api_key_issue(council=council, name="Phone app").key
    response = client.post(
        f"{O311}/requests.json",
        {
            "jurisdiction_id": "riverbend",
            "api_key": key,
            "service_code": missed_bin.code,
            "attribute[which_bin]": "general",
            "attribute[out_by_7am]": "yes",
            "address_string": "High Street",
            "email": "caller@example.com",
            "description": "Caller is Mrs Patel at number 4, phone 07700 900123",
        },
    )
    reference = response.json()[0]["service_request_id"]

    def public_description():
        return client.get(
            f"{O311}/requests/{reference}.json", {"jurisdiction_id": "riverbend"}
        ).json()[0]["description"]

    assert public_description() is None
    client.force_login(staff(council, Role.COUNCILLOR, ward_codes=[]))
    assert client.post(f"{STAFF}/cases/{reference}/publish-description/").status_code == 403
    client.force_login(staff(council, Role.CASE_OFFICER))
    page = client.get(f"{STAFF}/cases/{reference}/").text
    assert "Mrs Patel" in page and "Publish the description" in page
    client.post(f"{STAFF}/cases/{reference}/publish-description/")  # as it is: refused
    assert public_description() is None
    client.post(
        f"{STAFF}/cases/{reference}/publish-description/",
        {"action": "publish", "text": "Caller is Mrs Patel at number 4"},
    )
    assert public_description() == "Caller is Mrs Patel at number 4"


def test_a_councillor_without_consent_sees_no_personal_details(
    client, council, missed_bin, address
):
    case = make_case(
        missed_bin,
        answers=ANSWERS,
        location=Location(address=address),
        contact=Contact(name="Kai Brown", email="kai@example.com", phone="07700 900555"),
    ).case
    outbox_process()  # "Confirmation sent by email to kai@..." joins the timeline
    assert CaseEvent.objects.filter(case=case, message__contains="kai@example.com").exists()
    client.force_login(staff(council, Role.COUNCILLOR, ward_codes=[case.ward.code]))
    page = client.get(f"{STAFF}/cases/{case.reference}/").text
    for secret in ("Kai", "kai@example.com", "900555", "4 Mill Lane", str(address.uprn)):
        assert secret not in page, secret
    assert str(address.latitude)[:6] not in page
    case.councillor_consent = True
    case.save()
    page = client.get(f"{STAFF}/cases/{case.reference}/").text
    assert "kai@example.com" in page and "4 Mill Lane" in page


def test_following_needs_the_owner_of_the_address(client, council, missed_bin):
    case = make_case(missed_bin, answers=ANSWERS).case
    outbox_process()
    mail.outbox.clear()
    followed = case_follow(case=case, email="stranger@example.com")
    assert followed.needs_confirming and followed.follower.confirmed_at is None
    outbox_process()
    ask = next(m for m in mail.outbox if m.to == ["stranger@example.com"])
    assert "confirm" in ask.body.lower() and "You are following" not in ask.body
    mail.outbox.clear()
    case_add_update(case=case, message="Crew booked", actor=OFFICER)
    outbox_process()
    assert [m.to for m in mail.outbox] == [["sam@example.com"]]
    # The confirmation email to one address is sent at most 3 times a day.
    for _n in range(5):
        case_follow(case=case, email="stranger@example.com")
    outbox_process()
    asks = [m for m in mail.outbox if m.to == ["stranger@example.com"]]
    assert len(asks) == 2  # 3 in all with the first
    link = re.search(r"http://testserver(\S+/follow/confirm/\S+/)", ask.body).group(1)
    client.post(link)
    mail.outbox.clear()
    case_add_update(case=case, message="Fixed soon", actor=OFFICER)
    outbox_process()
    assert sorted(m.to[0] for m in mail.outbox) == ["sam@example.com", "stranger@example.com"]


def test_following_is_rate_limited_per_client(client, council, missed_bin):
    cases = [
        make_case(missed_bin, answers=ANSWERS).case for _n in range(FOLLOWS_PER_CLIENT_HOUR + 1)
    ]
    for case in cases[:-1]:
        case_follow(case=case, email="a@example.com", ip="203.0.113.9")
    with pytest.raises(ValidationError, match="Try again later"):
        case_follow(case=cases[-1], email="a@example.com", ip="203.0.113.9")
    case_follow(case=cases[-1], email="a@example.com", ip="203.0.113.10")


def test_a_duplicate_of_a_private_request_does_not_follow_it(council, discount):
    first = make_case(discount, location=Location()).case
    second = make_case(
        discount, contact=Contact(name="Neighbour", email="nb@example.com"), location=Location()
    ).case
    case_mark_duplicate(case=second, original=first, actor=OFFICER)
    assert not Follower.objects.exists()
    second.refresh_from_db()
    assert first.reference not in second.events.last().message
