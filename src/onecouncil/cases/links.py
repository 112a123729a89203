"""Links to a request, for messages and APIs: the one place they are built.

Every link comes from the council's configured public address (``core.links``), never
from the request that happened to cause the message.
"""

from __future__ import annotations

from onecouncil.cases.models import Case, Follower
from onecouncil.cases.tokens import rating_token
from onecouncil.core.links import public_url


def tracking_url(case: Case) -> str:
    """The public tracking page anyone with the reference may open."""
    return public_url(case.council, "track_case", case.reference)


def private_url(case: Case, token: str) -> str:
    """The reporter's private page (the token is only known at creation)."""
    return public_url(case.council, "track_private", case.reference, token)


def unfollow_url(follower: Follower) -> str:
    """Where a follower stops the updates of one request."""
    return public_url(follower.case.council, "unfollow", follower.unsubscribe_token)


def follow_confirm_url(follower: Follower) -> str:
    """Where the owner of an address confirms they want a request's updates."""
    return public_url(follower.case.council, "follow_confirm", follower.unsubscribe_token)


def rating_url(case: Case) -> str:
    """Where the reporter rates how we dealt with their closed request."""
    return public_url(case.council, "rate", case.reference, rating_token(case))
