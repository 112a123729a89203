"""Two-factor sign-in for every member of staff and the staff admin.

A password alone opens nothing: after it, staff give a six-digit code from an
authenticator app (TOTP, RFC 6238, with django-otp's devices) or one of ten single-use
recovery codes. On first sign-in they enrol: a QR code and the secret it holds, then one
code to prove the app has it, then their recovery codes, shown once. Wrong codes slow
down (django-otp's throttling doubles the wait after each failure).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


def second_factor_enrolled(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


@dataclass(frozen=True)
class Enrolment:
    secret: str  # base32, in groups of four, for typing into an app by hand
    qr_data_uri: str  # an SVG of the otpauth:// address, for scanning


def totp_enrolment(user: Any) -> Enrolment:
    """The app set-up a member of staff without a second factor is shown: the same secret
    each time until they confirm it (so a reload does not break a half-done set-up)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode()
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
    return Enrolment(secret=grouped, qr_data_uri=qr)


@transaction.atomic
def totp_enrol_confirm(user: Any, token: str) -> tuple[Device, list[str]] | None:
    """The first code from the app: confirms it and issues recovery codes (returned once,
    never shown again). None if the code is not right."""
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .order_by("id")
        .first()
    )
    if device is None or not device.verify_token(_digits(token)):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return device, recovery_codes_issue(user)


def recovery_codes_issue(user: Any) -> list[str]:
    """Ten new single-use codes, replacing any earlier ones."""
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _n in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def second_factor_verify(user: Any, token: str) -> Device | None:
    """The device that accepts ``token`` (an app's code, or a recovery code, which is then
    used up), or None."""
    token = token.strip().lower().replace(" ", "").replace("-", "")
    if not token:
        return None
    if token.isdigit():
        for device in TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True):
            if device.verify_token(token):
                return device
        return None
    for static in StaticDevice.objects.select_for_update().filter(user=user, confirmed=True):
        if static.verify_token(token):
            return static
    return None


def second_factor_reset(user: Any) -> None:
    """Forget a member of staff's app and recovery codes (a lost phone): they enrol again
    at their next sign-in. For administrators, from the People page."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()


def _digits(token: str) -> str:
    return "".join(ch for ch in token if ch.isdigit())


def issuer() -> str:
    return str(getattr(settings, "OTP_TOTP_ISSUER", "OneCouncil"))
