"""Inviting and changing members of staff.

An invitation makes the person's user (with no password) and their membership in one
transaction and emails them a link to choose a password. The link is Django's password
reset token, so it works once (choosing a password changes the hash it is made from)
and expires after ``PASSWORD_RESET_TIMEOUT``. Someone who already works for another
council on this service keeps their password and is told they have been added.

Who reaches the staff admin (``is_staff``) follows one rule, kept here: a superuser or
an administrator of at least one council.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from onecouncil.core.audit import audit_record
from onecouncil.core.links import staff_url
from onecouncil.core.models import AuditAction, Council, Membership, Role, Team
from onecouncil.notify.models import Channel
from onecouncil.notify.services import notification_enqueue
from onecouncil.residents.models import Ward
from onecouncil.staffing.two_factor import second_factor_reset


class StaffInviteError(Exception):
    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class Invitation:
    membership: Membership
    new_user: bool


def admin_site_access_sync(user: Any) -> None:
    """The one rule for reaching the staff admin: superusers and council administrators."""
    wanted = bool(
        user.is_superuser or Membership.objects.filter(user=user, role=Role.ADMINISTRATOR).exists()
    )
    if user.is_staff != wanted:
        user.is_staff = wanted
        user.save(update_fields=["is_staff"])


def staff_member_add(
    *, council: Council, user: Any, role: str, teams: list[Team], ward_codes: list[str]
) -> Membership:
    """Give ``user`` a role in ``council`` (invitations and the demo both come here)."""
    membership = Membership.objects.create(
        council=council,
        user=user,
        role=role,
        ward_codes=list(ward_codes) if role == Role.COUNCILLOR else [],
    )
    membership.teams.set(teams)
    admin_site_access_sync(user)
    return membership


def staff_wards_check(council: Council, role: str, ward_codes: list[str]) -> list[str]:
    """The one ward rule for a membership: a councillor represents at least one of the
    council's own wards; nobody else has wards. Returns the codes to keep."""
    known = set(Ward.objects.filter(council=council).values_list("code", flat=True))
    unknown = [code for code in ward_codes if code not in known]
    if unknown:
        raise StaffInviteError({"wards": [_("Choose wards from the list")]})
    if role == Role.COUNCILLOR and not ward_codes:
        raise StaffInviteError({"wards": [_("Choose the wards the councillor represents")]})
    return sorted(set(ward_codes)) if role == Role.COUNCILLOR else []


@transaction.atomic
def staff_invite(
    *,
    council: Council,
    invited_by: Any,
    email: str,
    name: str,
    role: str,
    teams: list[Team],
    ward_codes: list[str],
) -> Invitation:
    email = email.strip().lower()
    name = " ".join(name.split())
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter an email address in the correct format, like name@example.com")]
    if not name:
        errors["name"] = [_("Enter their full name")]
    if role not in Role.values:
        errors["role"] = [_("Choose a role")]
    if any(team.council_id != council.pk for team in teams):
        errors["teams"] = [_("Choose teams from the list")]
    if errors:
        raise StaffInviteError(errors)
    wards = staff_wards_check(council, role, ward_codes)
    users = get_user_model()
    user = users.objects.filter(username__iexact=email).first()
    if user is None:
        user = users.objects.filter(email__iexact=email).first()
    new_user = user is None
    if user is None:
        first, _space, last = name.partition(" ")
        user = users.objects.create_user(
            username=email, email=email, first_name=first[:150], last_name=last[:150]
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
    elif Membership.objects.filter(council=council, user=user).exists():
        raise StaffInviteError(
            {"email": [_("%(email)s is already a member of staff") % {"email": email}]}
        )
    membership = Membership.objects.create(council=council, user=user, role=role, ward_codes=wards)
    membership.teams.set(teams)
    admin_site_access_sync(user)
    _send_invitation(council=council, user=user, new_user=new_user)
    audit_record(
        council=council,
        user=invited_by,
        action=AuditAction.INVITE_STAFF,
        object_type="user",
        object_ref=email,
        detail={"role": role},
    )
    return Invitation(membership=membership, new_user=new_user)


def _send_invitation(*, council: Council, user: Any, new_user: bool) -> None:
    if new_user or not user.has_usable_password():
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        link = staff_url(
            council, "backoffice:welcome", uid, default_token_generator.make_token(user)
        )
        kind = "staff_invite"
    else:
        link = staff_url(council, "backoffice:signin")
        kind = "staff_added"
    notification_enqueue(
        council=council,
        kind=kind,
        channel=Channel.EMAIL,
        recipient=user.email,
        context={"council_name": council.name, "link": link, "name": user.get_full_name()},
    )


def invited_user(uidb64: str, token: str) -> Any | None:
    """The user an invitation link is for, or None when it is wrong, used or expired."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, UnicodeDecodeError, OverflowError):
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def staff_password_set(*, user: Any, password: str) -> None:
    """Set the invited person's password; the link that led here stops working."""
    user.set_password(password)
    user.save(update_fields=["password"])


@dataclass(frozen=True)
class StaffMember:
    membership: Membership
    ward_names: list[str]
    two_factor: bool = False


def staff_of(council: Council) -> list[StaffMember]:
    """The council's members of staff, by name, with their teams and ward names."""
    names = dict(Ward.objects.filter(council=council).values_list("code", "name"))
    memberships = (
        Membership.objects.filter(council=council)
        .select_related("user")
        .prefetch_related("teams")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
    enrolled = set(
        TOTPDevice.objects.filter(
            confirmed=True, user__in=[m.user_id for m in memberships]
        ).values_list("user_id", flat=True)
    )
    return [
        StaffMember(
            membership=m,
            ward_names=[names.get(code, code) for code in m.ward_codes],
            two_factor=m.user_id in enrolled,
        )
        for m in memberships
    ]


def staff_two_factor_reset(*, council: Council, user_id: int, by: Any) -> Membership | None:
    """An administrator resets a colleague's two-factor sign-in (a lost phone): they set
    it up again at their next sign-in. Only for a member of this council; audited."""
    membership = (
        Membership.objects.filter(council=council, user_id=user_id).select_related("user").first()
    )
    if membership is None:
        return None
    second_factor_reset(membership.user)
    colleague = membership.user
    if colleague.email:
        # They are told, so a reset they did not ask for is noticed at once.
        notification_enqueue(
            council=council,
            kind="staff_two_factor_reset",
            channel=Channel.EMAIL,
            recipient=colleague.email,
            context={
                "council_name": council.name,
                "name": colleague.get_full_name(),
                "by": (by.get_full_name() or by.get_username()) if by is not None else "",
                "link": staff_url(council, "backoffice:signin"),
            },
        )
    audit_record(
        council=council,
        user=by,
        action=AuditAction.RESET_TWO_FACTOR,
        object_type="user",
        object_ref=str(membership.user),
    )
    return membership
