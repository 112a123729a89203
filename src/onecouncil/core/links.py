"""Links to a council's front door, built in one place from the council's own settings.

A link that leaves the site (in an email, a text message, an API response) is built from
``Council.public_base_url``, which an administrator sets and which is validated when
saved. It is never built from the request's ``Host`` header: a forged header would
otherwise send residents a sign-in link to somebody else's site.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import get_script_prefix, reverse

from onecouncil.core.models import Council, validate_public_base_url

__all__ = [
    "council_base_url",
    "public_api_url",
    "public_path_url",
    "public_url",
    "staff_url",
    "validate_public_base_url",
]


def council_base_url(council: Council) -> str:
    """The council's public address without a trailing slash."""
    base = council.public_base_url.strip().rstrip("/")
    if not base:
        raise ValueError(f"Council {council.slug} has no public web address")
    return base


def public_url(council: Council, name: str, *args: object) -> str:
    """The absolute address of a front-door page, such as ``track_case``."""
    return _absolute(council, f"frontdoor:{name}", args)


def staff_url(council: Council, name: str, *args: object) -> str:
    """The absolute address of a staff page, such as ``backoffice:welcome``."""
    return _absolute(council, name, args)


def _absolute(council: Council, name: str, args: tuple[object, ...]) -> str:
    """``reverse`` adds whatever script prefix the current request set (``/riverbend/``
    when a council is served under a path); the council's base address already says
    where its pages live, so that prefix is replaced by it."""
    path = reverse(name, args=[str(a) for a in args])
    prefix = get_script_prefix()
    if path.startswith(prefix):
        path = path[len(prefix) :]
    return f"{council_base_url(council)}/{path.lstrip('/')}"


def public_path_url(council: Council, path: str) -> str:
    """The absolute address of a path under the council's front door."""
    return f"{council_base_url(council)}/{path.lstrip('/')}"


def public_api_url(council: Council, path: str) -> str:
    """An address on the site that serves the council (the APIs live at its root)."""
    parts = urlsplit(council_base_url(council))
    return f"{parts.scheme}://{parts.netloc}/{path.lstrip('/')}"
