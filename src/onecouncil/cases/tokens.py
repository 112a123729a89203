"""Private-link tokens: only their hashes are stored, and they are compared in constant time."""

from __future__ import annotations

import hashlib
import hmac

from onecouncil.cases.models import Case

__all__ = ["hash_token", "token_matches"]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_matches(case: Case, token: str) -> bool:
    return hmac.compare_digest(case.private_token_hash, hash_token(token))
