"""Resident accounts: sign-up, email links, passwords, sessions, profile, deletion.

Accounts are optional: every service works without one. They are per council, apart
from staff users, and kept apart from person records and from the details each request
keeps (a verified account's email links to the person record for that email).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.core.models import Council
from onecouncil.core.signin import Throttled, attempt_begin, attempt_succeeded
from onecouncil.core.throttles import digest, within_limit
from onecouncil.residents.models import Account, AccountToken, SavedDraft, TokenPurpose
from onecouncil.residents.services import person_for_verified_email

LINK_LIFETIME = dt.timedelta(hours=1)
VERIFY_LIFETIME = dt.timedelta(days=2)


class AccountError(ValidationError):
    pass


class TooManyAttempts(AccountError):
    pass


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def clean_email(email: str) -> str:
    """An address a resident typed, normalised, or ``ValidationError`` with the message
    they see (the one check for follows, alerts and the like)."""
    email = normalise_email(email or "")
    if not email:
        raise ValidationError(_("Enter your email address"), code="required")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("Enter an email address in the correct format, like name@example.com"),
            code="invalid",
        ) from None
    return email


@dataclass(frozen=True)
class IssuedToken:
    account: Account
    token: str
    # A password chosen at sign-up, hashed; it is applied only when the same browser
    # confirms the email (see account_verify), never stored on an unverified account.
    password_hash: str = ""


# Link emails (confirm, sign in, change address): at most this many to one address in
# LINK_EMAIL_WINDOW, and from one client address in an hour, so nobody can flood a
# resident's inbox or use the council to send mail at volume.
LINK_EMAILS_PER_RECIPIENT = 3
LINK_EMAIL_WINDOW = 15 * 60
LINK_EMAILS_PER_CLIENT_HOUR = 20


def link_email_allowed(*, council: Council, to: str, ip: str | None) -> bool:
    """Whether another link email may go to ``to`` now. The page answers the same either
    way, so a refusal reveals nothing; the resident is told to wait on the next page."""
    recipient_ok = within_limit(
        f"link-email:{council.pk}:{digest(to)}", LINK_EMAILS_PER_RECIPIENT, LINK_EMAIL_WINDOW
    )
    client_ok = ip is None or within_limit(
        f"link-email-client:{ip}", LINK_EMAILS_PER_CLIENT_HOUR, 60 * 60
    )
    return recipient_ok and client_ok


def token_issue(
    *,
    account: Account,
    purpose: TokenPurpose,
    new_email: str = "",
    options: dict[str, Any] | None = None,
) -> IssuedToken:
    token = secrets.token_urlsafe(32)
    lifetime = VERIFY_LIFETIME if purpose != TokenPurpose.SIGN_IN else LINK_LIFETIME
    AccountToken.objects.create(
        council_id=account.council_id,
        account=account,
        purpose=purpose,
        token_hash=_hash(token),
        new_email=new_email,
        options=options or {},
        expires_at=timezone.now() + lifetime,
    )
    return IssuedToken(account, token)


@transaction.atomic
def token_use(*, council: Council, token: str, purpose: TokenPurpose) -> AccountToken:
    found = (
        AccountToken.objects.select_for_update()
        .select_related("account")
        .filter(council=council, token_hash=_hash(token), purpose=purpose)
        .first()
    )
    if found is None or found.used_at is not None or found.expires_at < timezone.now():
        raise AccountError(_("This link has expired or has already been used. Ask for a new one."))
    found.used_at = timezone.now()
    found.save(update_fields=["used_at"])
    return found


class _PasswordOwner:
    """What Django's password validators look at (similarity to the email and name)."""

    def __init__(self, email: str, name: str) -> None:
        self.email = email
        self.username = email
        self.first_name = name


def check_new_password(password: str, *, email: str, name: str = "") -> None:
    # Validators read only attributes, which _PasswordOwner provides.
    validate_password(password, user=_PasswordOwner(email, name))  # type: ignore[arg-type]  # validators only read attributes, so a stand-in user is enough


@transaction.atomic
def account_signup(*, council: Council, email: str, password: str = "") -> IssuedToken:
    """Create an account (or find an unverified one) and issue the link that verifies it.

    The same answer whether or not the email already has an account, so nobody can learn
    who has one: an existing verified account gets a sign-in link instead. A chosen
    password is hashed (the same work either way) and handed back, not saved: whoever
    registers an address first must not be able to sign in as its owner after the owner
    confirms it, so only the browser that chose it may apply it (``account_verify``).
    """
    email = normalise_email(email)
    if password:
        check_new_password(password, email=email)
    password_hash = make_password(password) if password else ""
    account = Account.objects.select_for_update().filter(council=council, email=email).first()
    if account is None:
        account = Account.objects.create(council=council, email=email, password="")
    elif account.is_verified:
        return token_issue(account=account, purpose=TokenPurpose.SIGN_IN)
    issued = token_issue(account=account, purpose=TokenPurpose.VERIFY)
    return IssuedToken(account=issued.account, token=issued.token, password_hash=password_hash)


@transaction.atomic
def account_verify(
    *, council: Council, token: str, chosen: tuple[str, str] | None = None
) -> Account:
    """Confirm the email from its link. ``chosen`` is (email, password hash) that the same
    browser chose at sign-up, if any: it is applied when it is for this account's email.
    Any other password set before confirmation is dropped."""
    used = token_use(council=council, token=token, purpose=TokenPurpose.VERIFY)
    account = used.account
    password_hash = chosen[1] if chosen and chosen[0] == account.email else ""
    if not account.is_verified:
        account.email_verified_at = timezone.now()
        account.person = person_for_verified_email(council=council, email=account.email)
        account.password = password_hash
        account.session_version += 1  # no session begun before confirmation survives it
        account.save(update_fields=["email_verified_at", "person", "password", "session_version"])
    return account


def account_request_sign_in_link(*, council: Council, email: str) -> IssuedToken | None:
    """A sign-in link for a verified account; None (and no email) if there is none."""
    account = Account.objects.filter(
        council=council, email=normalise_email(email), email_verified_at__isnull=False
    ).first()
    if account is None:
        return None
    return token_issue(account=account, purpose=TokenPurpose.SIGN_IN)


def account_sign_in_with_link(*, council: Council, token: str) -> Account:
    return token_use(council=council, token=token, purpose=TokenPurpose.SIGN_IN).account


@functools.cache
def _unusable_hash() -> str:
    """A real hash of a random password, to check against when there is no account."""
    return make_password(secrets.token_urlsafe(32))


def account_sign_in_with_password(
    *, council: Council, email: str, password: str, ip: str | None
) -> Account | None:
    """The account if the password is right and the email verified; throttled."""
    try:
        attempt = attempt_begin(key=f"resident:{council.pk}:{normalise_email(email)}", ip=ip)
    except Throttled:
        raise TooManyAttempts(
            _("Too many attempts to sign in. Wait 15 minutes, or sign in with a link by email.")
        ) from None
    account = Account.objects.filter(council=council, email=normalise_email(email)).first()
    # One password check whether or not the account exists (or has a password), so the
    # time taken does not tell anyone which addresses have accounts.
    stored = account.password if account is not None and account.password else _unusable_hash()
    if not check_password(password, stored) or account is None or not account.password:
        return None
    if not account.is_verified:
        raise AccountError(_("Confirm your email address first: use the link we sent you."))
    attempt_succeeded(attempt)
    return account


def account_sign_out_everywhere(*, account: Account) -> None:
    Account.objects.filter(pk=account.pk).update(session_version=account.session_version + 1)


@transaction.atomic
def account_set_password(*, account: Account, password: str) -> None:
    check_new_password(password, email=account.email, name=account.name)
    account.password = make_password(password)
    account.session_version += 1
    account.save(update_fields=["password", "session_version"])


def account_update_profile(*, account: Account, **fields: Any) -> Account:
    allowed = {"name", "phone", "address", "contact_preference", "language"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"Not profile fields: {unknown}")
    for name, value in fields.items():
        setattr(account, name, value)
    account.save(update_fields=list(fields))
    return account


def draft_save(
    *, account: Account, service_code: str, service_name: str, data: dict[str, Any], days: int
) -> SavedDraft:
    draft, _created = SavedDraft.objects.update_or_create(
        account=account,
        service_code=service_code,
        defaults={
            "council_id": account.council_id,
            "service_name": service_name,
            "data": data,
            "expires_at": timezone.now() + dt.timedelta(days=days),
        },
    )
    return draft


def drafts_for(account: Account) -> list[SavedDraft]:
    SavedDraft.objects.filter(account=account, expires_at__lt=timezone.now()).delete()
    return list(SavedDraft.objects.filter(account=account).order_by("-saved_at"))


def draft_discard(*, account: Account, service_code: str) -> None:
    SavedDraft.objects.filter(account=account, service_code=service_code).delete()
