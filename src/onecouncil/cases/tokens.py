"""Private-link tokens: only their hashes are stored, and they are compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

from django.core import signing

from onecouncil.cases.models import Case

__all__ = ["RATING_DAYS", "hash_token", "rating_token", "rating_token_case_id", "token_matches"]

# How long the link to rate a closed request works.
RATING_DAYS = 90
_RATING_SALT = "onecouncil.cases.rating"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(case: Case, token: str) -> bool:
    return hmac.compare_digest(case.private_token_hash, hash_token(token))


def rating_token(case: Case) -> str:
    """The token in the "rate how we did" link sent when a request closes: signed, so
    nothing is stored, and it lets its holder rate this one request and do nothing else."""
    return signing.dumps([case.pk, case.reference], salt=_RATING_SALT, compress=True)


def rating_token_case_id(token: str, reference: str) -> int | None:
    """The request a rating token was made for, if it is genuine, for this reference, and
    within ``RATING_DAYS``."""
    try:
        case_id, signed_reference = signing.loads(
            token, salt=_RATING_SALT, max_age=RATING_DAYS * 86400
        )
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if signed_reference != reference or not isinstance(case_id, int):
        return None
    return case_id
