"""A device's readings over HTTPS as a device sends them: a plain HTTP client (the
standard library's, as firmware or a gateway script would use) against the real server,
with an Origin-less JSON body and its bearer token; nothing of Django's test client."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from onecouncil.sensors.models import Reading
from tests.sensors.conftest import reading

pytestmark = pytest.mark.django_db(transaction=True)


def send(url, body, token, content_type="application/json"):
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 - our server
    request.add_header("Content-Type", content_type)
    request.add_header("User-Agent", "bin-sensor-firmware/2.1")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - our server
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_a_device_posts_its_readings_with_a_plain_http_client(live_server, council, bins):
    url = f"{live_server.url}/api/v1/devices/bin-sensor-1/readings"
    body = reading(fillingLevel=0.42, batteryLevel=0.9)
    status, answer = send(url, body, bins["secret"])
    assert status == 201 and answer["outcome"] == "stored"
    status, answer = send(url, body, bins["secret"])  # the same reading again
    assert status == 200 and answer["outcome"] == "replayed"
    status, answer = send(url, b'{"observedAt": "yesterday"}', bins["secret"])
    assert status == 400 and "ISO 8601" in answer["detail"]
    assert send(url, body, "ocd_not-the-token")[0] == 401
    assert send(url, body, "")[0] == 401
    assert Reading.objects.get().values == {"fillingLevel": 0.42, "batteryLevel": 0.9}
