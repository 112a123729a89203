"""Recording who saw or changed what (``AuditEntry``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from onecouncil.core.models import AuditEntry, Council


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


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
