"""Recording who saw or changed what (``AuditEntry``)."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse

from onecouncil.core.clients import client_ip
from onecouncil.core.models import AuditAction, AuditEntry, Council

__all__ = ["ReadAuditMiddleware", "audit_record", "client_ip", "personal_data_read"]


def audit_record(
    *,
    council: Council,
    user: Any,
    action: str,
    object_type: str,
    object_ref: str,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    label = getattr(user, "get_username", lambda: "")() if user is not None else "system"
    return AuditEntry.objects.create(
        council=council,
        user=user if getattr(user, "pk", None) else None,
        user_label=label or "system",
        action=action,
        object_type=object_type,
        object_ref=object_ref,
        detail=detail or {},
        ip_address=client_ip(request),
    )


# --- Reads of personal data ---------------------------------------------------------------
#
# The access functions say what personal data they hand out (``personal_data_read``);
# ``ReadAuditMiddleware`` opens a ledger for each web request and, when the response is
# ready, writes one audit entry per council listing everything read, whoever asked and
# whatever the door (staff pages, APIs, the admin). Outside a web request (the worker,
# management commands) there is no ledger and nothing is recorded.


@dataclass
class _Ledger:
    reads: dict[int, list[str]] = field(default_factory=dict)  # council id -> what was read

    def add(self, council_id: int, what: str) -> None:
        items = self.reads.setdefault(council_id, [])
        if what not in items:
            items.append(what)


_ledger: ContextVar[_Ledger | None] = ContextVar("personal_data_reads", default=None)


def personal_data_read(*, council_id: int, what: str) -> None:
    """Note that this request is handing out personal data (``what``: "request
    RVB-…", "photos of RVB-…", "resident account 12", "search: 3 requests")."""
    ledger = _ledger.get()
    if ledger is not None:
        ledger.add(council_id, what)


def _reader(request: HttpRequest) -> tuple[Any, str]:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user, user.get_username()
    key: Any = getattr(request, "auth", None)
    name = str(getattr(key, "name", "") or "")
    if name:
        return None, f"API client: {name}"
    return None, "anonymous"


class ReadAuditMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ledger = _Ledger()
        token = _ledger.set(ledger)
        try:
            response = self.get_response(request)
        finally:
            _ledger.reset(token)
        if ledger.reads:
            user, label = _reader(request)
            for council_id, items in ledger.reads.items():
                AuditEntry.objects.create(
                    council_id=council_id,
                    user=user,
                    user_label=label[:150],
                    action=AuditAction.VIEW_PERSONAL_DATA,
                    object_type="personal_data",
                    object_ref=items[0][:100],
                    detail={"read": items[:500], "path": request.path[:500]},
                    ip_address=client_ip(request),
                )
        return response
