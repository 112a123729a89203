"""Two-factor sign-in for every staff role and the admin: a password opens nothing until a
code from an authenticator app (or a recovery code) is given. Codes are computed as an
app computes them (tests/two_factor.py)."""

import re
import time

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from onecouncil.core.models import Role
from onecouncil.notify.services import outbox_process
from onecouncil.staffing.two_factor import (
    RECOVERY_CODES,
    second_factor_reset,
    second_factor_verify,
    totp_enrolment,
)
from tests.backoffice_helpers import PASSWORD, staff
from tests.two_factor import code_for_secret, code_for_user, enrolled

STAFF = "/riverbend/staff"
TWO_FACTOR = f"{STAFF}/two-factor/"


def _password_only(user) -> Client:
    client = Client()
    response = client.post(f"{STAFF}/sign-in/", {"username": user.username, "password": PASSWORD})
    assert response["Location"].startswith(TWO_FACTOR)
    return client


@pytest.mark.parametrize("role", list(Role))
def test_every_role_needs_a_code_after_the_password(council, role):
    user = staff(council, role, ward_codes=["W1"] if role == Role.COUNCILLOR else ())
    client = _password_only(user)
    for url in (f"{STAFF}/queue/", f"{STAFF}/search/", f"{STAFF}/mine/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(TWO_FACTOR)
    enrolled(user)
    client.post(TWO_FACTOR, {"code": code_for_user(user)})
    assert client.get(f"{STAFF}/queue/").status_code in (200, 403)  # now only the role decides


def test_enrolling_keeps_one_secret_until_confirmed_then_gives_recovery_codes(council):
    user = staff(council, Role.CASE_OFFICER)
    client = _password_only(user)
    first = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', client.get(TWO_FACTOR).text).group(1)
    again = client.get(TWO_FACTOR).text
    assert first in again and 'src="data:image/svg+xml' in again  # the QR code, inline
    wrong = client.post(TWO_FACTOR, {"code": "000000"})
    assert wrong.status_code == 200 and "Enter the 6-digit code" in wrong.text
    time.sleep(1.1)  # a wrong code makes the next wait a second (django-otp's throttle)
    done = client.post(TWO_FACTOR, {"code": code_for_secret(first)})
    codes = re.findall(r"<li><code>([a-z2-7]+)</code></li>", done.text)
    assert len(codes) == RECOVERY_CODES and done["Cache-Control"] == "no-store"
    assert client.get(f"{STAFF}/queue/").status_code == 200


def test_a_code_works_once_and_recovery_codes_are_used_up(council):
    user = staff(council, Role.CASE_OFFICER)
    device = enrolled(user)
    code = code_for_user(user)
    assert second_factor_verify(user, code) == device
    assert second_factor_verify(user, code) is None  # the same code cannot be replayed
    from onecouncil.staffing.two_factor import recovery_codes_issue

    recovery = recovery_codes_issue(user)
    assert second_factor_verify(user, recovery[0].upper()) is not None  # typed in capitals
    assert second_factor_verify(user, recovery[0]) is None


def test_wrong_codes_slow_down(council, settings):
    # A minute's wait per failure, so a busy machine cannot outlast it mid-test.
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    user = staff(council, Role.CASE_OFFICER)
    enrolled(user)
    for _n in range(3):
        second_factor_verify(user, "123456")
    # After failures the device refuses even the right code for a while.
    assert second_factor_verify(user, code_for_user(user)) is None
    client = _password_only(user)
    refused = client.post(TWO_FACTOR, {"code": code_for_user(user, at=time.time() + 30)})
    assert "wait a little" in refused.text


def test_a_lost_phone_is_reset_and_enrols_again(council):
    user = staff(council, Role.CASE_OFFICER)
    enrolled(user)
    second_factor_reset(user)
    client = _password_only(user)
    assert "Set up two-factor sign-in" in client.get(TWO_FACTOR).text
    assert totp_enrolment(user).secret


def test_the_admin_needs_the_second_factor_too(client, db):
    get_user_model().objects.create_superuser("root@x.example", "root@x.example", PASSWORD)
    client.post("/admin/login/", {"username": "root@x.example", "password": PASSWORD})
    assert client.get("/admin/auth/user/")["Location"].startswith("/admin/login/")
    step = client.get("/admin/login/?next=/admin/auth/user/")
    assert step["Location"] == "/staff/two-factor/?next=%2Fadmin%2Fauth%2Fuser%2F"
    user = get_user_model().objects.get(username="root@x.example")
    enrolled(user)
    done = client.post(step["Location"], {"code": code_for_user(user)})
    assert done["Location"] == "/admin/auth/user/"
    assert client.get("/admin/auth/user/").status_code == 200


def test_an_administrator_resets_a_colleagues_lost_phone(client, council, other_council):
    from onecouncil.core.models import AuditEntry

    officer = staff(council, Role.CASE_OFFICER)
    officer.email = "owen@riverbend.example"
    officer.save()
    enrolled(officer)
    outsider = staff(other_council, Role.CASE_OFFICER, username="out@x.example")
    enrolled(outsider)
    client.force_login(staff(council, Role.ADMINISTRATOR))
    people = client.get(f"{STAFF}/people/").text
    assert "two-factor sign-in for" in people
    assert client.post(f"{STAFF}/people/{outsider.pk}/reset-two-factor/").status_code == 404
    asked = client.post(f"{STAFF}/people/{officer.pk}/reset-two-factor/")
    assert asked.status_code == 200 and "Yes, reset two-factor sign-in" in asked.text
    assert second_factor_verify(officer, code_for_user(officer)) is not None  # not yet
    mail.outbox.clear()
    done = client.post(f"{STAFF}/people/{officer.pk}/reset-two-factor/", {"confirm": "yes"})
    assert done["Location"] == f"{STAFF}/people/"
    outbox_process()
    (told,) = mail.outbox
    assert told.to == [officer.email] and "reset your two-factor sign-in" in told.body
    assert "Set up two-factor sign-in" in _password_only(officer).get(TWO_FACTOR).text
    assert AuditEntry.objects.filter(action="reset_two_factor").count() == 1
    assert second_factor_verify(outsider, code_for_user(outsider)) is not None
    client.force_login(staff(council, Role.CASE_OFFICER, username="plain@x.example"))
    refused = client.post(f"{STAFF}/people/{officer.pk}/reset-two-factor/", {"confirm": "yes"})
    assert refused.status_code == 403


def test_nobody_can_read_a_colleagues_secret_in_the_admin(client, db):
    from django.contrib import admin

    assert not [m for m in admin.site._registry if m._meta.app_label.startswith("otp_")]
    root = get_user_model().objects.create_superuser("root@x.example", "r@x.example", PASSWORD)
    client.force_login(root)
    assert client.get("/admin/otp_totp/totpdevice/").status_code == 404
