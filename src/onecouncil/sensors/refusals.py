"""Readings refused, and rules that could not raise their request: counted per device
(or per unknown identifier) and reason, for administrators."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from onecouncil.core.models import Council
from onecouncil.sensors.models import Device, Rejection


def refusal_count(
    council: Council, identifier: str, device: Device | None, reason: str, detail: str
) -> None:
    key = identifier[:60].replace("\x00", "")
    updated = Rejection.objects.filter(council=council, identifier=key, reason=reason).update(
        count=F("count") + 1, last_at=timezone.now(), last_detail=detail[:300]
    )
    if not updated:
        try:
            with transaction.atomic():
                Rejection.objects.create(
                    council=council,
                    identifier=key,
                    device=device,
                    reason=reason,
                    count=1,
                    last_detail=detail[:300],
                )
        except IntegrityError:  # counted by another process at the same moment
            Rejection.objects.filter(council=council, identifier=key, reason=reason).update(
                count=F("count") + 1
            )


def refusal_count_unknown(identifier: str, reason: str, detail: str) -> None:
    """A refusal before any council is known (a wrong token over HTTPS): counted in
    every council that has a device of that identifier, so its administrators see it."""
    for device in Device.objects.filter(identifier=identifier[:60]).select_related("council"):
        refusal_count(device.council, device.identifier, device, reason, detail)
