"""The one front for cases: one writer, named queries, links from settings, one door."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from onecouncil.cases.access import (
    QueueFilters,
    case_search,
    clock_for,
    other_requests_of,
    queue_counts,
    staff_membership,
    staff_queue,
)
from onecouncil.cases.actions import case_change_status
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import Case, CaseEvent, EventKind
from onecouncil.core.actors import Actor
from onecouncil.core.models import Role
from onecouncil.notify.services import outbox_process
from onecouncil.residents.accounts import account_signup, account_verify
from onecouncil.webhooks.models import Delivery, Subscription
from tests.backoffice_helpers import PASSWORD, staff
from tests.factories import AddressFactory, ServiceFactory, WardFactory, make_case

GOOD_PASSWORD = "violet-harbour-lantern-42"


def test_links_in_emails_come_from_the_council_setting_never_the_host_header(
    council, settings, missed_bin
):
    """A forged Host header must not send residents a sign-in link to another site."""
    settings.ALLOWED_HOSTS = ["testserver", "evil.example"]
    client = Client(HTTP_HOST="evil.example")
    account_signup(council=council, email="priya@example.com", password=GOOD_PASSWORD)
    client.post("/riverbend/account/sign-in/", {"email": "priya@example.com", "action": "link"})
    client.post("/riverbend/account/sign-up/", {"email": "new@example.com"})
    outbox_process()
    assert mail.outbox
    for message in mail.outbox:
        assert "evil.example" not in message.body
        for link in re.findall(r"https?://\S+", message.body):
            assert link.startswith("http://testserver/riverbend/"), link
    discovery = client.get("/open311/v2/discovery.json").json()
    assert [e["url"] for e in discovery["endpoints"]] == ["http://testserver/open311/v2/"]


def test_the_public_address_is_required_and_validated(council):
    from django.core.exceptions import ValidationError

    for bad in ["", "report.riverbend.gov.uk", "ftp://x.example", "https://x.example/?a=1"]:
        council.public_base_url = bad
        with pytest.raises(ValidationError):
            council.full_clean()
    council.public_base_url = "https://report.riverbend.gov.uk"
    council.full_clean()


def test_a_change_of_phone_reaches_the_search_keys_and_tasks_use_the_one_writer(
    council, missed_bin
):
    tax = ServiceFactory(
        council=council,
        code="council-tax-move",
        name="Council tax",
        receives_changes=True,
        location_required=False,
    )
    Subscription.objects.create(
        council=council,
        url="http://127.0.0.1:9/hook",
        secret="s" * 32,
        name="Hook",
        event_types=["created"],
    )
    home = AddressFactory(council=council)
    issued = account_signup(council=council, email="priya@example.com", password=GOOD_PASSWORD)
    account = account_verify(
        council=council, token=issued.token, chosen=(issued.account.email, issued.password_hash)
    )
    account.name, account.phone, account.address = "Priya Patel", "07700 900111", home
    account.save()
    case = make_case(
        missed_bin,
        answers={"which_bin": "general", "out_by_7am": "yes"},
        account=account,
        contact=Contact(name="Priya Patel", email="priya@example.com", phone="07700 900111"),
    ).case
    client = Client()
    client.post(
        "/riverbend/account/sign-in/", {"email": "priya@example.com", "password": GOOD_PASSWORD}
    )
    response = client.post(
        "/riverbend/account/change/",
        {
            "phone": "07700 900999",
            "to_requests": "on",
            "to_services": "on",
            "effective_day": "1",
            "effective_month": "12",
            "effective_year": "2026",
            "action": "save",
        },
    )
    assert response.status_code == 302, response.text
    officer = staff(council, Role.CASE_OFFICER)
    membership = staff_membership(user=officer, council=council)
    found = case_search(membership=membership, text="07700900999")
    assert case in found and len(found) == 2  # the request and the council tax task
    assert case_search(membership=membership, text="07700 900111") == []

    task = Case.objects.get(service=tax)
    assert task.phone_key == "+447700900999" and task.email_key == "priya@example.com"
    assert task.channel == "web" and task.reference.startswith("RVB-")
    assert task.change_details["phone"] == {"old": "07700 900111", "new": "07700 900999"}
    assert task.change_details["effective_date"] == "2026-12-01"
    kinds = list(CaseEvent.objects.filter(case=task).values_list("kind", flat=True))
    assert kinds[0] == EventKind.CREATED and EventKind.ROUTED in kinds
    assert Delivery.objects.filter(payload__request__reference=task.reference).exists()


def test_open_overdue_and_due_soon_agree_in_queries_counts_and_pages(council, missed_bin):
    now = timezone.now()
    officer = staff(council, Role.CASE_OFFICER)
    membership = staff_membership(user=officer, council=council)
    answers = {"which_bin": "general", "out_by_7am": "yes"}
    overdue, paused, soon, later = (make_case(missed_bin, answers=answers).case for _ in range(4))
    Case.objects.filter(pk=overdue.pk).update(due_at=now - dt.timedelta(hours=1))
    Case.objects.filter(pk=paused.pk).update(
        due_at=now - dt.timedelta(hours=1), paused_at=now - dt.timedelta(days=1)
    )
    Case.objects.filter(pk=soon.pk).update(due_at=now + dt.timedelta(hours=3))
    Case.objects.filter(pk=later.pk).update(due_at=now + dt.timedelta(days=30))
    clock = clock_for(council, now)
    assert set(Case.objects.overdue(now)) == {overdue}
    assert set(Case.objects.due_soon(now, clock.horizon)) == {soon}
    for due, expected in (("overdue", {overdue}), ("soon", {soon})):
        found = staff_queue(
            membership=membership, filters=QueueFilters(due=due), clock=clock, user_id=None
        )
        assert set(found) == expected
    [row] = queue_counts(membership=membership, clock=clock)
    assert (row["open"], row["overdue"], row["soon"]) == (4, 1, 1)
    client = Client()
    client.login(username=officer.username, password=PASSWORD)
    page = client.get("/riverbend/staff/queue/?status=open").text
    assert page.count(">Overdue</strong>") == 1 and page.count(">Due soon</strong>") == 1
    assert page.count(">Paused</strong>") == 1
    # A closed request is never overdue, whatever its due date.
    case_change_status(
        case=overdue, status="closed", actor=Actor.system("x"), closure_reason="no_action"
    )
    assert not Case.objects.overdue(now).exists()


def test_a_service_without_a_target_has_no_due_date(council):
    compliments = ServiceFactory(
        council=council, code="compliment", sla_amount=None, location_required=False
    )
    case = make_case(compliments, location=Location()).case
    assert case.due_at is None
    now = timezone.now() + dt.timedelta(days=400)
    assert not Case.objects.overdue(now).exists()
    assert not Case.objects.due_soon(now, now + dt.timedelta(days=9)).exists()


def test_a_councillor_sees_a_residents_other_requests_only_in_their_wards(council, missed_bin):
    mine, theirs = WardFactory(council=council, code="E05000001"), WardFactory(council=council)
    contact = Contact(name="Sam Resident", email="sam@example.com", phone="07700 900123")

    def report(ward):
        address = AddressFactory(council=council, ward=ward)
        return make_case(
            missed_bin,
            answers={"which_bin": "general", "out_by_7am": "yes"},
            location=Location(address=address),
            contact=contact,
            councillor_consent=True,
        ).case

    here, elsewhere, also_here = report(mine), report(theirs), report(mine)
    councillor = staff(council, Role.COUNCILLOR, ward_codes=[mine.code])
    membership = staff_membership(user=councillor, council=council)
    others = other_requests_of(membership=membership, case=here)
    assert others == [also_here]
    assert elsewhere not in others
    # Matched by the phone's key, however it was typed.
    officer = staff_membership(user=staff(council, Role.CASE_OFFICER), council=council)
    Case.objects.filter(pk=also_here.pk).update(
        contact_email="", email_key="", contact_phone="+44 7700 900123"
    )
    assert also_here in other_requests_of(membership=officer, case=here)
