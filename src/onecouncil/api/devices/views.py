"""Readings over HTTPS: ``POST /api/v1/devices/<device-id>/readings`` with the device's
own secret as a bearer token (``Authorization: Bearer ocd_...``), the body one reading
as JSON (as over MQTT). A device can post only as itself: the token is its own."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from onecouncil.sensors.ingest import MAX_PAYLOAD_BYTES, device_by_token, reading_take
from onecouncil.sensors.refusals import refusal_count_unknown

STATUS = {"stored": 201, "replayed": 200, "flooding": 429}


@csrf_exempt  # a device, not a browser: it proves itself with its token
@require_POST
def readings(request: HttpRequest, identifier: str) -> HttpResponseBase:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else ""
    device = device_by_token(identifier=identifier, token=token)
    if device is None:
        refusal_count_unknown(identifier, "credentials", "No device with this identifier and token")
        response = JsonResponse(
            {
                "error": "credentials",
                "detail": "Send the device's own token: Authorization: Bearer ...",
            },
            status=401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="devices"'
        return response
    body = request.body[: MAX_PAYLOAD_BYTES + 1]
    taken = reading_take(council=device.council, identifier=identifier, payload=body, device=device)
    status = STATUS.get(taken.outcome, 400)
    return JsonResponse(
        {"outcome": taken.outcome, "detail": taken.detail, "requests": list(taken.references)},
        status=status,
    )
