"""Who is making a change: a member of staff, a resident, or the system, and from where.

Staff writes check their own permission (``cases.actions``): an actor acting as staff
carries its ``Membership`` (from the staff pages or an API key's role), and the system
(workers, imports, the demo, management commands) says so with ``Actor.system``. A signed-in
person without a membership, or an actor that is neither, may make no staff change."""

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
    # The staff membership the change is made under (its council and role), if any.
    membership: Any = None
    is_system: bool = False

    @classmethod
    def from_request(cls, request: HttpRequest, label: str = "") -> Actor:
        """The person behind a request: a resident, or (with ``membership``) staff."""
        user = request.user if request.user.is_authenticated else None
        name = label or (user.get_full_name() or user.get_username() if user else "")
        membership = getattr(request, "membership", None)
        return cls(user=user, label=name, ip=client_ip(request), membership=membership)

    @classmethod
    def for_client(cls, request: HttpRequest, *, label: str, membership: Any) -> Actor:
        """An API client acting with its key's staff role."""
        return cls(user=None, label=label, ip=client_ip(request), membership=membership)

    @classmethod
    def system(cls, label: str) -> Actor:
        return cls(user=None, label=label, is_system=True)
