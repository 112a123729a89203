"""Open311 POSTs the database could not take at once (SQLite busy, a failover): kept
here and created by the worker, so an acknowledged submission is never lost."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.db import OperationalError

from onecouncil.api.models import ApiKey, PendingRequest
from onecouncil.api.open311.intake import create_from_payload
from onecouncil.core.models import Council

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 10


def pending_save(*, council: Council, key: ApiKey, payload: dict[str, Any]) -> PendingRequest:
    return PendingRequest.objects.create(
        council=council, key=key, payload=payload, token=secrets.token_urlsafe(18)
    )


def process_pending(limit: int = 50) -> int:
    done = 0
    for pending in (
        PendingRequest.objects.filter(service_request_id="", attempts__lt=MAX_ATTEMPTS, error="")
        .select_related("council", "key")
        .order_by("id")[:limit]
    ):
        pending.attempts += 1
        try:
            case = create_from_payload(
                council=pending.council,
                key=pending.key,
                payload=pending.payload,
                token=pending.token,
            )
        except ValidationError as exc:
            pending.error = "; ".join(exc.messages)
        except OperationalError as exc:
            logger.warning(
                "pending Open311 request %s still cannot be saved: %s", pending.token, exc
            )
            pending.save(update_fields=["attempts"])
            continue
        else:
            pending.service_request_id = case.reference
            done += 1
        pending.save(update_fields=["attempts", "service_request_id", "error"])
    return done
