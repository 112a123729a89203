"""Resident accounts make "tell us once" real, and never show one resident another's."""

import re

import pytest
from django.core import mail
from django.test import Client

from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import Case, ChangeReport, Follower
from onecouncil.notify.services import outbox_process
from onecouncil.residents.accounts import account_signup, account_verify
from onecouncil.residents.models import Account, SavedDraft
from tests.factories import AddressFactory, ServiceFactory, answers_posted, make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}
ACCOUNT = "/riverbend/account"
GOOD_PASSWORD = "violet-harbour-lantern-42"


def last_link(path_part: str) -> str:
    outbox_process()
    body = mail.outbox[-1].body
    return re.search(rf"http://testserver(\S+/{path_part}/\S+/)", body).group(1)


def make_account(council, email="priya@example.com", password=GOOD_PASSWORD, **profile):
    issued = account_signup(council=council, email=email, password=password)
    account = account_verify(
        council=council, token=issued.token, chosen=(issued.account.email, issued.password_hash)
    )
    for key, value in profile.items():
        setattr(account, key, value)
    account.save()
    return account


def signed_in_client(account, password=GOOD_PASSWORD):
    client = Client()
    response = client.post(f"{ACCOUNT}/sign-in/", {"email": account.email, "password": password})
    assert response.status_code == 302, response.content
    return client


def test_sign_up_by_email_link_verifies_and_signs_in(client, council):
    response = client.post(f"{ACCOUNT}/sign-up/", {"email": "New.Person@Example.com"})
    assert response["Location"] == f"{ACCOUNT}/check-your-email/"
    link = last_link("verify")
    assert "Confirm your email address" in mail.outbox[-1].subject
    response = client.get(link)
    assert response["Location"] == f"{ACCOUNT}/"
    account = Account.objects.get()
    assert account.email == "new.person@example.com" and account.is_verified
    assert account.person is not None
    assert "Signed in as new.person@example.com" in client.get(f"{ACCOUNT}/").text
    assert "already been used" in client.get(link).text


def test_weak_passwords_are_refused(client, council):
    response = client.post(
        f"{ACCOUNT}/sign-up/", {"email": "a@example.com", "password": "password123"}
    )
    assert "too common" in response.text or "too short" in response.text
    assert not Account.objects.exists()


def test_password_sign_in_needs_a_verified_email_and_is_throttled(client, council):
    account_signup(council=council, email="unverified@example.com", password=GOOD_PASSWORD)
    response = client.post(
        f"{ACCOUNT}/sign-in/", {"email": "unverified@example.com", "password": GOOD_PASSWORD}
    )
    # Nothing is signed in, and the answer is the one for no account at all.
    assert "There is a problem" in response.text
    assert client.get(f"{ACCOUNT}/").status_code == 302
    account = make_account(council)
    for _ in range(5):
        response = client.post(
            f"{ACCOUNT}/sign-in/", {"email": account.email, "password": "not-it"}
        )
    response = client.post(
        f"{ACCOUNT}/sign-in/", {"email": account.email, "password": GOOD_PASSWORD}
    )
    assert "Too many attempts" in response.text


def test_sign_in_by_link_never_says_who_has_an_account(client, council):
    account = make_account(council)
    outbox_process()
    sent = len(mail.outbox)
    unknown = client.post(f"{ACCOUNT}/sign-in/", {"email": "nobody@example.com"})
    known = client.post(f"{ACCOUNT}/sign-in/", {"email": account.email})
    assert unknown["Location"] == known["Location"] == f"{ACCOUNT}/check-your-email/"
    link = last_link("sign-in")
    # One email each: the owner's sign-in link, and a "no account here" note to the other
    # address (so the outbox does not tell either).
    assert len(mail.outbox) == sent + 2
    none = next(m for m in mail.outbox if m.to == ["nobody@example.com"])
    assert "there is no account" in none.body and "/account/sign-up/" in none.body
    assert client.get(link)["Location"] == f"{ACCOUNT}/"


def test_sign_out_everywhere(council):
    account = make_account(council)
    phone, laptop = signed_in_client(account), signed_in_client(account)
    assert phone.get(f"{ACCOUNT}/").status_code == 200
    laptop.post(f"{ACCOUNT}/sign-out-everywhere/")
    assert phone.get(f"{ACCOUNT}/").status_code == 302
    assert laptop.get(f"{ACCOUNT}/").status_code == 302


def test_profile_then_a_report_prefilled_from_it(council, missed_bin):
    home = AddressFactory(
        council=council, uprn=200000000001, postcode="RB1 2AB", line1="8 Mill Lane"
    )
    account = make_account(council)
    client = signed_in_client(account)
    client.post(
        f"{ACCOUNT}/profile/",
        {
            "name": "Priya Patel",
            "phone": "07700 900111",
            "postcode": "rb1 2ab",
            "uprn": str(home.uprn),
            "contact_preference": "email",
            "language": "en-gb",
        },
    )
    account.refresh_from_db()
    assert (account.name, account.address) == ("Priya Patel", home)
    base = "/riverbend/report/missed-bin"
    client.post(f"{base}/questions/", answers_posted(ANSWERS))
    location = client.get(f"{base}/location/").text
    assert re.search(rf'value="{home.uprn}"\s+checked', location)
    # A pothole is rarely at the reporter's home: nothing is chosen for it.
    pothole = ServiceFactory(council=council, code="pothole", name="Report a pothole")
    street = client.get(f"/riverbend/report/{pothole.code}/location/").text
    assert not re.search(rf'value="{home.uprn}"\s+checked', street) and "RB1 2AB" not in street
    client.post(f"{base}/location/", {"action": "continue", "uprn": str(home.uprn)})
    client.post(f"{base}/photos/", {"action": "continue"})
    contact = client.get(f"{base}/contact/").text
    assert 'value="Priya Patel"' in contact and 'value="priya@example.com"' in contact
    # She changes her phone for this request and asks to save it.
    client.post(
        f"{base}/contact/",
        {
            "name": "Priya Patel",
            "email": "priya@example.com",
            "phone": "07700 900222",
            "save_to_profile": "yes",
        },
    )
    page = client.get(f"{base}/check/").text
    key = re.search(r'name="submission_key" value="([^"]+)"', page).group(1)
    client.post(f"{base}/check/", {"submission_key": key})
    case = Case.objects.get()
    assert case.account == account and case.person == account.person
    account.refresh_from_db()
    assert account.phone == "07700 900222"


def test_my_requests_and_claiming_earlier_ones(council, missed_bin):
    earlier = make_case(
        missed_bin, answers=ANSWERS, contact=Contact(name="Priya", email="Priya@Example.com")
    ).case
    someone_else = make_case(
        missed_bin, answers=ANSWERS, contact=Contact(name="Zed", email="zed@example.com")
    ).case
    account = make_account(council)
    client = signed_in_client(account)
    page = client.get(f"{ACCOUNT}/").text
    assert "before you had an account" in page and earlier.reference in page
    assert someone_else.reference not in page
    client.post(f"{ACCOUNT}/claim/", {"references": [earlier.reference, someone_else.reference]})
    earlier.refresh_from_db()
    someone_else.refresh_from_db()
    assert earlier.account == account and someone_else.account is None
    table = client.get(f"{ACCOUNT}/").text.split('id="my-requests"')[1]
    assert earlier.reference in table and someone_else.reference not in table


def test_follow_and_unfollow_from_the_message(client, council, missed_bin):
    from onecouncil.cases.actions import case_add_update
    from onecouncil.core.actors import Actor

    case = make_case(missed_bin, answers=ANSWERS).case
    response = client.post(
        f"/riverbend/track/{case.reference}/follow/", {"email": "neighbour@example.com"}
    )
    assert response["Location"].endswith("#follow")
    assert "Check your email" in client.get(f"/riverbend/track/{case.reference}/").text
    outbox_process()
    ask = next(m for m in mail.outbox if m.to == ["neighbour@example.com"])
    assert "Confirm you want updates" in ask.subject
    # Nothing reaches the address until its owner confirms.
    case_add_update(case=case, message="Before confirming", actor=Actor.system("Officer"))
    outbox_process()
    assert not [
        m for m in mail.outbox if "Before confirming" in m.body and m.to != ["sam@example.com"]
    ]
    confirm = re.search(r"http://testserver(\S+/follow/confirm/\S+/)", ask.body).group(1)
    assert "Yes, send me the updates" in client.get(confirm).text
    assert Follower.objects.get().confirmed_at is None  # opening the link is not enough
    assert "You are following this request" in client.post(confirm).text
    unfollow = confirm.replace("/follow/confirm/", "/unfollow/")
    mail.outbox.clear()
    case_add_update(case=case, message="Crew booked", actor=Actor.system("Officer"))
    outbox_process()
    to_neighbour = next(m for m in mail.outbox if m.to == ["neighbour@example.com"])
    assert "Crew booked" in to_neighbour.body
    assert unfollow.split("/unfollow/")[1] in to_neighbour.body  # every update can unfollow
    assert "Stop following" in client.get(unfollow).text
    client.post(unfollow)
    assert Follower.objects.get().unsubscribed_at is not None
    mail.outbox.clear()
    case_add_update(case=case, message="Done soon", actor=Actor.system("Officer"))
    outbox_process()
    assert [m.to for m in mail.outbox] == [["sam@example.com"]]
    bad = client.post(f"/riverbend/track/{case.reference}/follow/", {"email": "nope"})
    assert "correct format" in client.get(bad["Location"]).text


def test_change_of_address_told_once_reaches_requests_and_services(council, missed_bin):
    old_home = AddressFactory(council=council, postcode="RB1 2AB")
    new_home = AddressFactory(council=council, postcode="RB3 4CD", line1="1 New Road")
    tax = ServiceFactory(
        council=council,
        code="council-tax-move",
        name="Council tax",
        receives_changes=True,
        location_required=False,
    )
    account = make_account(council, name="Priya Patel", phone="07700 900111", address=old_home)
    client = signed_in_client(account)
    open_case = make_case(
        missed_bin,
        answers=ANSWERS,
        account=account,
        contact=Contact(name="Priya Patel", email="priya@example.com"),
    ).case
    response = client.post(
        f"{ACCOUNT}/change/",
        {
            "phone": "07700 900999",
            "postcode": "RB3 4CD",
            "uprn": str(new_home.uprn),
            "to_requests": "on",
            "to_services": "on",
            "effective_day": "1",
            "effective_month": "2",
            "effective_year": "2027",
            "action": "save",
        },
    )
    report = ChangeReport.objects.get()
    assert response["Location"] == f"{ACCOUNT}/change/{report.pk}/"
    done = client.get(response["Location"]).text
    assert open_case.reference in done and "Council tax" in done
    assert "It takes effect from 1 February 2027" in done
    # A receipt by email, with the references and the date it takes effect.
    mail.outbox.clear()
    outbox_process()
    (receipt,) = [m for m in mail.outbox if "change of details" in m.subject]
    task_reference = Case.objects.get(service=tax).reference
    assert receipt.to == ["priya@example.com"]
    assert open_case.reference in receipt.body and task_reference in receipt.body
    assert "takes effect from 1 February 2027" in receipt.body and "1 New Road" in receipt.body
    account.refresh_from_db()
    assert account.address == new_home and account.phone == "07700 900999"
    open_case.refresh_from_db()
    assert open_case.contact_phone == "07700 900999"
    task = Case.objects.get(service=tax)
    assert task.change_details["address"]["new"] == new_home.single_line
    assert task.change_details["address"]["old"] == old_home.single_line
    assert task.team == tax.team and task.account == account
    # Nothing to change is explained.
    again = client.post(f"{ACCOUNT}/change/", {"phone": "07700 900999", "action": "save"})
    assert "Nothing has changed" in again.text


def test_save_and_come_back(council, missed_bin):
    account = make_account(council)
    client = signed_in_client(account)
    base = "/riverbend/report/missed-bin"
    client.post(f"{base}/questions/", answers_posted(ANSWERS))
    response = client.post(f"{base}/location/", {"action": "save-for-later"})
    assert response["Location"] == f"{ACCOUNT}/"
    assert SavedDraft.objects.filter(account=account, service_code="missed-bin").exists()
    later = signed_in_client(account)  # another day, another browser
    assert "Saved to finish later" in later.get(f"{ACCOUNT}/").text
    resumed = later.post(f"{ACCOUNT}/drafts/missed-bin/")
    assert resumed["Location"] == f"{base}/location/"  # the step they left
    page = later.get(f"{base}/questions/").text
    assert re.search(r'value="general"\s+checked', page)


def test_deleting_an_account_keeps_requests_with_the_council(council, missed_bin):
    account = make_account(council)
    client = signed_in_client(account)
    case = make_case(missed_bin, answers=ANSWERS, account=account).case
    client.post(f"{ACCOUNT}/delete/", {"confirm": "yes"})
    assert not Account.objects.exists()
    case.refresh_from_db()
    assert case.account is None and case.contact_email == "sam@example.com"
    assert client.get(f"{ACCOUNT}/").status_code == 302


ACCOUNT_URLS = ["/", "/profile/", "/password/", "/change/", "/delete/"]


def test_a_resident_never_sees_another_residents_things(council, other_council, missed_bin):
    alice = make_account(
        council, email="alice@example.com", name="Alice Ahmed", phone="07700 900001"
    )
    bob = make_account(council, email="bob@example.com", name="Bob Brown")
    alice_case = make_case(
        missed_bin,
        answers=ANSWERS,
        account=alice,
        contact=Contact(name="Alice Ahmed", email="alice@example.com"),
    ).case
    SavedDraft.objects.create(
        council=council,
        account=alice,
        service_code="missed-bin",
        service_name="Missed bin",
        data={"x": 1},
        expires_at="2099-01-01T00:00:00Z",
    )
    alice_client = signed_in_client(alice)
    alice_client.post(f"{ACCOUNT}/change/", {"name": "Alice Khan", "action": "save"})
    report = ChangeReport.objects.get(account=alice)
    bob_client = signed_in_client(bob)
    for url in ACCOUNT_URLS:
        text = bob_client.get(f"{ACCOUNT}{url}").text
        for secret in ("Alice", "alice@example.com", "07700 900001", alice_case.reference):
            assert secret not in text, (url, secret)
    assert bob_client.get(f"{ACCOUNT}/change/{report.pk}/").status_code == 404
    assert bob_client.post(f"{ACCOUNT}/drafts/missed-bin/").status_code == 404
    bob_client.post(f"{ACCOUNT}/claim/", {"references": [alice_case.reference]})
    alice_case.refresh_from_db()
    assert alice_case.account == alice
    # Alice's session is for Riverbend only.
    assert alice_client.get("/northfield/account/").status_code == 302
    # Signed out, every account URL asks you to sign in.
    for url in [*ACCOUNT_URLS, f"/change/{report.pk}/"]:
        assert Client().get(f"{ACCOUNT}{url}").status_code == 302


@pytest.mark.parametrize("role", ["adviser", "councillor"])
def test_staff_see_the_residents_profile_with_the_right_role_and_it_is_audited(
    client, council, missed_bin, role
):
    from onecouncil.core.models import AuditEntry
    from tests.backoffice_helpers import staff

    account = make_account(council, name="Priya Patel")
    case = make_case(
        missed_bin,
        answers=ANSWERS,
        account=account,
        location=Location(street="Mill Lane", description="x"),
    ).case
    client.force_login(staff(council, role))
    url = f"/riverbend/staff/residents/{account.pk}/"
    if role == "adviser":
        assert "Signed-in resident" in client.get(f"/riverbend/staff/cases/{case.reference}/").text
        page = client.get(url).text
        assert "Priya Patel" in page and case.reference in page
        reads = AuditEntry.objects.filter(action="view_personal_data")
        assert any(f"resident account {account.pk}" in e.detail["read"] for e in reads)
    else:
        assert client.get(url).status_code == 403


def test_change_of_email_is_confirmed_by_the_new_address_then_passed_on(council, missed_bin):
    tax = ServiceFactory(
        council=council,
        code="ctax",
        name="Council tax",
        receives_changes=True,
        location_required=False,
    )
    account = make_account(council, name="Priya Patel")
    make_account(council, email="taken@example.com")
    client = signed_in_client(account)
    open_case = make_case(
        missed_bin,
        answers=ANSWERS,
        account=account,
        contact=Contact(name="Priya Patel", email="priya@example.com"),
    ).case
    taken = client.post(
        f"{ACCOUNT}/change/", {"email": "taken@example.com", "to_requests": "on", "action": "save"}
    )
    assert "Another account uses that email address" in taken.text
    response = client.post(
        f"{ACCOUNT}/change/",
        {
            "email": "Priya.New@Example.com",
            "to_requests": "on",
            "to_services": "on",
            "action": "save",
        },
    )
    assert response["Location"] == f"{ACCOUNT}/"
    account.refresh_from_db()
    assert account.email == "priya@example.com"  # nothing changes before the link is opened
    outbox_process()
    message = mail.outbox[-1]
    assert message.to == ["priya.new@example.com"]
    link = re.search(r"http://testserver(\S+/change-email/\S+/)", message.body).group(1)
    done = Client().get(link)
    assert done.status_code == 302
    account.refresh_from_db()
    assert account.email == "priya.new@example.com"
    assert account.person.email == "priya.new@example.com"
    open_case.refresh_from_db()
    assert open_case.contact_email == "priya.new@example.com"
    task = Case.objects.get(service=tax)
    assert task.change_details == {
        "email": {"old": "priya@example.com", "new": "priya.new@example.com"}
    }
    assert "already been used" in Client().get(link).text


def test_my_own_requests_open_everything_i_sent_and_followed_ones_the_public_page(
    council, missed_bin
):
    account = make_account(council)
    client = signed_in_client(account)
    mine = make_case(
        missed_bin,
        answers=ANSWERS,
        contact=Contact(name="Priya", email="priya@example.com"),
        account=account,
    ).case
    theirs = make_case(
        missed_bin, answers=ANSWERS, contact=Contact(name="Zed", email="zed@example.com")
    ).case
    client.post(f"/riverbend/track/{theirs.reference}/follow/")
    table = client.get(f"{ACCOUNT}/").text.split('id="my-requests"')[1]
    assert f"{ACCOUNT}/requests/{mine.reference}/" in table
    assert f"/riverbend/track/{theirs.reference}/" in table
    page = client.get(f"{ACCOUNT}/requests/{mine.reference}/")
    assert page.status_code == 200 and "priya@example.com" in page.text
    assert page["Cache-Control"] == "private, no-store"
    # Following someone else's request never opens what they sent.
    assert client.get(f"{ACCOUNT}/requests/{theirs.reference}/").status_code == 404
    assert Client().get(f"{ACCOUNT}/requests/{mine.reference}/").status_code == 302


def test_whoever_registers_an_address_first_cannot_sign_in_once_the_owner_confirms_it(
    client, council
):
    from django.test import Client

    from onecouncil.notify.models import Notification

    attacker = Client()
    attacker.post(
        f"{ACCOUNT}/sign-up/", {"email": "owner@example.com", "password": "attacker-pass-2026"}
    )
    # The owner signs up too (without a password) and confirms from their own inbox.
    client.post(f"{ACCOUNT}/sign-up/", {"email": "owner@example.com", "password": ""})
    link = Notification.objects.filter(kind="account_verify").order_by("-id").first()
    path = link.context["link"].removeprefix("http://testserver")
    assert client.get(path).status_code == 302
    assert client.get(f"{ACCOUNT}/").status_code == 200
    # The attacker's password was never kept: it does not open the account.
    attempt = attacker.post(
        f"{ACCOUNT}/sign-in/", {"email": "owner@example.com", "password": "attacker-pass-2026"}
    )
    assert attempt.status_code == 200 and "There is a problem" in attempt.text
    assert attacker.get(f"{ACCOUNT}/").status_code == 302
    # Even the attacker's own confirmation link, opened by the owner, applies no password
    # of theirs: a password is applied only in the browser that chose it.
    account = Account.objects.get(email="owner@example.com")
    assert not account.password


def test_a_password_chosen_at_sign_up_applies_when_the_same_browser_confirms(client, council):
    from onecouncil.notify.models import Notification

    client.post(f"{ACCOUNT}/sign-up/", {"email": "me@example.com", "password": GOOD_PASSWORD})
    path = Notification.objects.get(kind="account_verify").context["link"]
    client.get(path.removeprefix("http://testserver"))
    client.post(f"{ACCOUNT}/sign-out/")
    signed_in = client.post(
        f"{ACCOUNT}/sign-in/", {"email": "me@example.com", "password": GOOD_PASSWORD}
    )
    assert signed_in.status_code == 302
