"""Two-factor sign-in in tests: codes computed the way an authenticator app computes them
(RFC 6238 from the device's key), and a signed-in session that has given one."""

from __future__ import annotations

import base64
import re
import time
from typing import Any

from django_otp.oath import TOTP


def code_for_secret(secret: str, *, at: float | None = None) -> str:
    """The 6-digit code an app shows for the base32 ``secret`` (spaces allowed)."""
    key = base64.b32decode(re.sub(r"\s", "", secret).upper())
    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():06d}"


def code_for_user(user: Any, *, at: float | None = None) -> str:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user=user, confirmed=True)
    return code_for_secret(base64.b32encode(device.bin_key).decode(), at=at)


def enrolled(user: Any) -> Any:
    """The user's confirmed app, set up as if they had enrolled."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app")


def sign_in_with_code(client: Any, user: Any) -> None:
    """``client`` is signed in as ``user`` with their password and a code: the session a
    real sign-in through both steps leaves (the steps themselves are tested in
    tests/backoffice/test_two_factor.py and in Chromium)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    device = enrolled(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
