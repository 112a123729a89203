"""Queue webhook deliveries with the change they report; the worker sends them.

Deliveries are signed (HMAC-SHA256 of the body with the subscription's secret, in
``X-OneCouncil-Signature``), retried with backoff, and recorded with their outcome. They
leave in the background worker with a short timeout, so a slow or failing receiver
never blocks or slows case handling.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import uuid
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from onecouncil.core.egress import egress_post
from onecouncil.core.worker import backoff
from onecouncil.webhooks.models import Delivery, DeliveryStatus, Subscription

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 10


def webhooks_enqueue(
    *, council_id: int, service_code: str, event_type: str, payload: dict[str, Any]
) -> int:
    """Queue one delivery per matching subscription, in the caller's transaction."""
    count = 0
    for subscription in Subscription.objects.filter(council_id=council_id, is_active=True):
        if event_type not in subscription.event_types:
            continue
        if subscription.service_codes and service_code not in subscription.service_codes:
            continue
        Delivery.objects.create(subscription=subscription, event_type=event_type, payload=payload)
        count += 1
    return count


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _claim(limit: int) -> tuple[uuid.UUID, list[Delivery]]:
    now = timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        due = Delivery.objects.filter(
            Q(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            | Q(status=DeliveryStatus.SENDING, locked_until__lt=now)
        ).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True)[:limit])
        Delivery.objects.filter(id__in=ids).update(
            status=DeliveryStatus.SENDING,
            claim=token,
            attempts=F("attempts") + 1,
            locked_until=now + dt.timedelta(seconds=settings.WORKER_LEASE_SECONDS),
        )
    return token, list(
        # In the order the changes happened: a receiver must see "created" before "closed".
        Delivery.objects.filter(claim=token).select_related("subscription").order_by("id")
    )


def _post(delivery: Delivery) -> int:
    """Send one delivery through the one egress door; the status the receiver answered."""
    body = json.dumps(delivery.payload, sort_keys=True).encode()
    return egress_post(
        delivery.subscription.url,
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": "OneCouncil-Webhooks/1",
            "X-OneCouncil-Event": delivery.event_type,
            "X-OneCouncil-Delivery": str(delivery.replay_of_id or delivery.pk),
            "X-OneCouncil-Signature": sign(delivery.subscription.secret, body),
        },
        timeout=TIMEOUT_SECONDS,
    )


def deliveries_process(limit: int = 50) -> int:
    """Send up to ``limit`` due deliveries, each claimed just before it is sent (one at a
    time, oldest first), so a worker killed mid-send holds only that one."""
    delivered = 0
    for _n in range(limit):
        token, claimed = _claim(1)
        if not claimed:
            break
        delivered += _deliver(token, claimed[0])
    return delivered


def _deliver(token: uuid.UUID, delivery: Delivery) -> int:
    mine = Delivery.objects.filter(pk=delivery.pk, claim=token)
    try:
        status = _post(delivery)
    except (OSError, ValueError) as exc:  # EgressRefused is a ValueError
        status, error = 0, str(exc)[:2000]
    else:
        error = "" if 200 <= status < 300 else f"The receiver answered {status}"
    if not error:
        mine.update(
            status=DeliveryStatus.DELIVERED,
            response_status=status,
            error="",
            delivered_at=timezone.now(),
            claim=None,
            locked_until=None,
        )
        return 1
    give_up = delivery.attempts >= MAX_ATTEMPTS
    mine.update(
        status=DeliveryStatus.FAILED if give_up else DeliveryStatus.PENDING,
        response_status=status or None,
        error=error,
        next_attempt_at=timezone.now() + backoff(delivery.attempts),
        claim=None,
        locked_until=None,
    )
    logger.warning(
        "webhook delivery %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error
    )
    return 0


def delivery_replay(delivery: Delivery) -> Delivery:
    """Send a recorded delivery again, as a new delivery that remembers the first."""
    return Delivery.objects.create(
        subscription=delivery.subscription,
        event_type=delivery.event_type,
        payload=delivery.payload,
        replay_of=delivery.replay_of or delivery,
    )
