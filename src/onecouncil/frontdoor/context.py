from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from onecouncil.frontdoor.sessions import current_account


def resident(request: HttpRequest) -> dict[str, Any]:
    """The signed-in resident account, if any, for the page header."""
    if getattr(request, "council", None) is None or not hasattr(request, "session"):
        return {"resident": None}
    return {"resident": current_account(request)}
