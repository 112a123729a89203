"""What real Open311 clients found: a key reads back the private requests it sent (and
their status changes), FixMyStreet's multipart photos are kept, and account_id and
device_id reach staff."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from onecouncil.api.keys import api_key_issue
from onecouncil.cases.actions import case_change_status
from onecouncil.cases.models import Case, EventKind, Photo
from onecouncil.core.actors import Actor
from tests.factories import ServiceFactory

BASE = "/open311/v2"


@pytest.fixture
def private(council):
    return ServiceFactory(
        council=council, code="ctax", name="Council tax question", visibility="private"
    )


@pytest.fixture
def pothole(council):
    return ServiceFactory(council=council, code="pothole", name="Report a pothole")


def _png(colour="red"):
    out = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(out, "PNG")
    return out.getvalue()


def _post(client, key, code, **extra):
    body = {
        "jurisdiction_id": "riverbend",
        "api_key": key,
        "service_code": code,
        "lat": "52.4862",
        "long": "-1.8904",
        "email": "ann@example.com",
        "first_name": "Ann",
        "description": "Please ring me back",
        **extra,
    }
    return client.post(f"{BASE}/requests.json", body)


def test_a_key_reads_back_its_own_private_requests_and_their_updates(client, council, private):
    mine = api_key_issue(council=council, name="FixMyStreet").key
    theirs = api_key_issue(council=council, name="Other app").key
    made = _post(client, mine, "ctax")
    assert made.status_code == 201, made.content
    reference = made.json()[0]["service_request_id"]
    case_change_status(
        case=Case.objects.get(reference=reference),
        status="in_progress",
        actor=Actor.system("Officer"),
    )
    url = f"{BASE}/requests/{reference}.json?jurisdiction_id=riverbend"
    assert client.get(url).status_code == 404  # not public
    assert client.get(f"{url}&api_key={theirs}").status_code == 404  # nor another client's
    read = client.get(f"{url}&api_key={mine}")
    assert read.status_code == 200
    shown = read.json()[0]
    assert shown["status"] == "open" and "ann@example.com" not in read.text
    listed = client.get(f"{BASE}/requests.json?jurisdiction_id=riverbend&api_key={mine}")
    assert reference in listed.text
    assert reference not in client.get(f"{BASE}/requests.json?jurisdiction_id=riverbend").text
    updates = f"{BASE}/servicerequestupdates.json?jurisdiction_id=riverbend"
    assert reference in client.get(f"{updates}&api_key={mine}").text
    assert reference not in client.get(f"{updates}&api_key={theirs}").text
    assert reference not in client.get(updates).text
    assert client.get(f"{url}&api_key=oc_not_a_key").status_code == 403


def test_the_service_list_says_which_services_are_private(client, council, private, pothole):
    services = {
        s["service_code"]: s
        for s in client.get(f"{BASE}/services.json?jurisdiction_id=riverbend").json()
    }
    assert "private" in services["ctax"]["description"]
    assert "private" not in services["pothole"]["description"]
    definition = client.get(f"{BASE}/services/ctax.json?jurisdiction_id=riverbend").json()
    assert any(a["code"] == "private_service" for a in definition["attributes"])


def test_fixmystreets_multipart_photos_are_kept_on_requests_and_updates(client, council, pothole):
    key = api_key_issue(council=council, name="FixMyStreet").key
    made = _post(
        client,
        key,
        "pothole",
        photo1=SimpleUploadedFile("a.png", _png(), content_type="image/png"),
        photo2=SimpleUploadedFile("b.png", _png("blue"), content_type="image/png"),
        account_id="fms-4411",
        device_id="iphone-7",
    )
    assert made.status_code == 201, made.content
    case = Case.objects.get()
    assert case.photos.count() == 2
    note = case.events.get(kind=EventKind.NOTE, data__has_key="client_ids")
    assert note.data["client_ids"] == {"account_id": "fms-4411", "device_id": "iphone-7"}
    updated = client.post(
        f"{BASE}/servicerequestupdates.json",
        {
            "jurisdiction_id": "riverbend",
            "api_key": key,
            "service_request_id": case.reference,
            "description": "Still there",
            "update_id": "u1",
            "status": "OPEN",
            "updated_datetime": "2026-12-01T10:00:00Z",
            "photo1": SimpleUploadedFile("c.png", _png("green"), content_type="image/png"),
        },
    )
    assert updated.status_code == 200, updated.content
    assert case.photos.count() == 3


def test_a_bad_photo_is_refused_by_name_and_nothing_is_made(client, council, pothole):
    key = api_key_issue(council=council, name="FixMyStreet").key
    refused = _post(
        client,
        key,
        "pothole",
        photo1=SimpleUploadedFile("a.png", b"not an image", content_type="image/png"),
    )
    assert refused.status_code == 400 and refused.json()[0]["description"].startswith("photo1:")
    assert not Case.objects.exists() and not Photo.objects.exists()
