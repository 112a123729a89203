"""Who is making a change: a member of staff, a resident, or the system, and from where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from onecouncil.core.clients import client_ip


@dataclass(frozen=True)
class Actor:
    user: Any = None
    label: str = ""
    ip: str | None = None

    @classmethod
    def from_request(cls, request: HttpRequest, label: str = "") -> Actor:
        user = request.user if request.user.is_authenticated else None
        name = label or (user.get_full_name() or user.get_username() if user else "")
        return cls(user=user, label=name, ip=client_ip(request))

    @classmethod
    def system(cls, label: str) -> Actor:
        return cls(user=None, label=label)
