"""People: an administrator invites staff by email, the invitee chooses a password from a
link that works once, councillors' wards come from a list, and council administrators
edit their own services (with the options list editor) in the staff admin."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model

from onecouncil.catalogue.models import Question
from onecouncil.catalogue.widgets import OptionsField
from onecouncil.core.models import AuditEntry, Membership, Role
from onecouncil.notify.models import Notification
from tests.backoffice_helpers import PASSWORD, staff
from tests.factories import TeamFactory, WardFactory
from tests.two_factor import code_for_user, enrolled

STAFF = "/riverbend/staff"
NEW_PASSWORD = "heron-kettle-orchard-9"


@pytest.fixture
def admin_client(client, council):
    client.force_login(staff(council, Role.ADMINISTRATOR, username="admin@riverbend.example"))
    return client


def _invite(client, **data):
    return client.post(f"{STAFF}/people/invite/", data)


def _link(kind: str) -> str:
    notification = Notification.objects.get(kind=kind)
    return urlsplit(notification.context["link"]).path


def test_an_invited_officer_chooses_a_password_once_and_signs_in(admin_client, client, council):
    team = TeamFactory(council=council, name="Waste")
    response = _invite(
        admin_client,
        name="Priya Shah",
        email="Priya.Shah@Riverbend.example",
        role=Role.CASE_OFFICER,
        teams=[str(team.pk)],
    )
    assert response.status_code == 302 and response["Location"].endswith("/staff/people/")
    listing = admin_client.get(f"{STAFF}/people/").text
    assert "An invitation has been sent to priya.shah@riverbend.example" in listing
    assert "priya.shah@riverbend.example" in listing and "Invited" in listing
    user = get_user_model().objects.get(username="priya.shah@riverbend.example")
    assert not user.has_usable_password() and not user.is_staff
    membership = Membership.objects.get(user=user, council=council)
    assert membership.role == Role.CASE_OFFICER and list(membership.teams.all()) == [team]
    assert AuditEntry.objects.filter(action="invite_staff", object_ref=user.email).exists()

    link = _link("staff_invite")
    assert link.startswith(f"{STAFF}/welcome/")
    admin_client.logout()
    page = client.get(link)
    assert page.status_code == 200 and "Welcome to Riverbend" in page.text
    assert page["Referrer-Policy"] == "strict-origin"
    short = client.post(link, {"password1": "short", "password2": "short"})
    assert short.status_code == 200 and "There is a problem" in short.text
    different = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert "The two passwords are different" in different.text
    done = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"].endswith("/staff/sign-in/")
    assert "Your password is set" in client.get(done["Location"]).text
    again = client.get(link)
    assert again.status_code == 404 and "This link has expired" in again.text
    signed_in = client.post(
        f"{STAFF}/sign-in/", {"username": user.username, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302 and "/two-factor/" in signed_in["Location"]
    enrolled(user)  # as if they had scanned the QR code (the page is tested on its own)
    client.post(signed_in["Location"], {"code": code_for_user(user)})
    assert client.get(f"{STAFF}/queue/").status_code == 200


def test_invitations_explain_what_is_wrong(admin_client, council):
    staff(council, Role.CASE_OFFICER, username="taken@riverbend.example")
    get_user_model().objects.filter(username="taken@riverbend.example").update(
        email="taken@riverbend.example"
    )
    empty = _invite(admin_client)
    assert empty.status_code == 200
    for message in ("Enter their full name", "Enter their work email address", "Choose a role"):
        assert message in empty.text
    taken = _invite(admin_client, name="T", email="TAKEN@riverbend.example", role=Role.CASE_OFFICER)
    assert "taken@riverbend.example is already a member of staff" in taken.text
    no_wards = _invite(admin_client, name="Cllr A", email="a@x.example", role=Role.COUNCILLOR)
    assert "Choose the wards the councillor represents" in no_wards.text
    other = WardFactory(council__slug="elsewhere", code="E05099999")
    foreign = _invite(
        admin_client, name="Cllr A", email="a@x.example", role=Role.COUNCILLOR, wards=[other.code]
    )
    assert "Select a valid choice" in foreign.text
    assert not Notification.objects.exists()


def test_a_councillor_is_invited_with_wards_chosen_from_the_list(admin_client, council):
    north = WardFactory(council=council, name="North Ward")
    WardFactory(council=council, name="South Ward")
    form = admin_client.get(f"{STAFF}/people/invite/").text
    assert "North Ward" in form and "South Ward" in form
    _invite(
        admin_client,
        name="Cllr Bea Jones",
        email="bea@x.example",
        role=Role.COUNCILLOR,
        wards=[north.code],
    )
    membership = Membership.objects.get(user__username="bea@x.example")
    assert membership.ward_codes == [north.code]
    row = admin_client.get(f"{STAFF}/people/").text.split("Cllr Bea Jones")[-1].split("</tr>")[0]
    assert "North Ward" in row and "South Ward" not in row


def test_someone_who_works_for_another_council_keeps_their_password(
    admin_client, council, other_council
):
    user = staff(other_council, Role.CASE_OFFICER, username="shared@x.example")
    user.email = "shared@x.example"
    user.save()
    user.first_name, user.last_name = "Samira", "Privatename"
    user.save()
    invited = _invite(admin_client, name="Sam Shared", email="shared@x.example", role=Role.ADVISER)
    flash = admin_client.get(invited["Location"]).text.split('id="flash"')[1].split("</div>")[0]
    # Whether the address already works elsewhere, and for whom, is not told.
    assert "An invitation has been sent to shared@x.example" in flash
    assert "Privatename" not in flash and "already" not in flash
    assert Membership.objects.filter(user=user).count() == 2
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert _link("staff_added").endswith("/staff/sign-in/")


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMINISTRATOR])
def test_only_administrators_manage_people(client, council, role):
    client.force_login(staff(council, role, ward_codes=["E05000001"]))
    assert client.get(f"{STAFF}/people/").status_code == 403
    refused = _invite(client, name="X", email="x@x.example", role=Role.ADMINISTRATOR)
    assert refused.status_code == 403
    assert not Membership.objects.filter(user__username="x@x.example").exists()


def test_an_invited_administrator_edits_their_own_services_in_the_admin(
    admin_client, client, council, other_council, missed_bin
):
    _invite(admin_client, name="Ada Admin", email="ada@x.example", role=Role.ADMINISTRATOR)
    user = get_user_model().objects.get(username="ada@x.example")
    assert user.is_staff  # the one rule: administrators reach the staff admin
    client.post(_link("staff_invite"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert client.login(username="ada@x.example", password=NEW_PASSWORD)
    url = f"/admin/catalogue/service/{missed_bin.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="questions-0-options-0-value" value="general"' in page.text
    assert "[{" not in page.text.split('id="questions-0"')[-1].split("</fieldset>")[0]
    foreign = client.get("/admin/catalogue/service/").text
    assert missed_bin.name in foreign
    from tests.factories import ServiceFactory

    theirs = ServiceFactory(council=other_council, code="theirs")
    assert client.get(f"/admin/catalogue/service/{theirs.pk}/change/").status_code in (302, 404)


def _rows(*rows):
    data = {"options-rows": str(len(rows))}
    for i, (value, label, order) in enumerate(rows):
        data.update({f"options-{i}-value": value, f"options-{i}-label": label})
        data[f"options-{i}-order"] = order
    return data


def _clean(*rows):
    field = OptionsField()
    return field.clean(field.widget.value_from_datadict(_rows(*rows), {}, "options"))


def test_the_options_editor_orders_drops_blank_rows_and_explains():
    assert _clean(("b", "Bee", "2"), ("a", "Ay", "1"), ("", "", "3")) == [
        {"value": "a", "label": "Ay"},
        {"value": "b", "label": "Bee"},
    ]
    assert _clean(("b", "Bee", ""), ("a", "Ay", "")) == [
        {"value": "b", "label": "Bee"},
        {"value": "a", "label": "Ay"},
    ]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="Option 2 needs both a value and a label"):
        _clean(("a", "Ay", "1"), ("b", "", "2"))
    with pytest.raises(ValidationError, match="must be a whole number"):
        _clean(("a", "Ay", "²"))


def test_the_admin_saves_options_from_the_editor(client, council, missed_bin):
    from django.contrib.auth import get_user_model as users

    root = users().objects.create_superuser("root", "root@x.example", PASSWORD)
    client.force_login(root)
    url = f"/admin/catalogue/service/{missed_bin.pk}/change/"
    html = client.get(url).text

    data = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        data[name] = value
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]*checked', html):
        data[name] = "on"
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', body)
        if chosen:  # a multiple select with nothing chosen sends nothing
            data[name] = chosen.group(1)
    for name, text in re.findall(r'<textarea name="([^"]+)"[^>]*>\n?(.*?)</textarea>', html, re.S):
        data[name] = text
    which = next(k for k, v in data.items() if k.endswith("-code") and v == "which_bin")
    prefix = which.removesuffix("-code")
    data.update(
        {
            f"{prefix}-options-rows": "4",
            f"{prefix}-options-0-value": "general",
            f"{prefix}-options-0-label": "General waste",
            f"{prefix}-options-0-order": "3",
            f"{prefix}-options-1-value": "recycling",
            f"{prefix}-options-1-label": "Recycling",
            f"{prefix}-options-1-order": "1",
            f"{prefix}-options-2-value": "garden",
            f"{prefix}-options-2-label": "Garden waste",
            f"{prefix}-options-2-order": "2",
            f"{prefix}-options-3-value": "",
            f"{prefix}-options-3-label": "",
            f"{prefix}-options-3-order": "4",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, re.findall(
        r"errorlist[^>]*>(.*?)</ul>", response.text, re.S
    )
    options = Question.objects.get(service=missed_bin, code="which_bin").options
    assert [o["value"] for o in options] == ["recycling", "garden", "general"]


def test_the_membership_admin_applies_the_same_ward_rule(admin_client, client, council):
    north = WardFactory(council=council, name="North Ward")
    councillor = staff(council, Role.COUNCILLOR, username="cllr@x.example", ward_codes=[north.code])
    membership = Membership.objects.get(user=councillor)
    root = get_user_model().objects.create_superuser("root", "root@x.example", PASSWORD)
    client.force_login(root)
    url = f"/admin/core/membership/{membership.pk}/change/"
    emptied = client.post(url, {"role": Role.COUNCILLOR, "ward_codes": []})
    assert emptied.status_code == 200
    assert "Choose the wards the councillor represents" in emptied.text
    moved = client.post(url, {"role": Role.CASE_OFFICER, "ward_codes": [north.code]})
    assert moved.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.CASE_OFFICER and membership.ward_codes == []
