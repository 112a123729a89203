"""Open311 GeoReport v2: every endpoint, parameter, error and attribute datatype, with
JSON validated against the published schemas and XML carrying the same content."""

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import xmltodict
from django.db import OperationalError
from django.utils import timezone
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from onecouncil.api.keys import api_key_issue, api_key_revoke
from onecouncil.api.models import PendingRequest
from onecouncil.api.open311.pending import process_pending
from onecouncil.cases.actions import case_add_update, case_change_status
from onecouncil.cases.models import Case, EventKind
from onecouncil.catalogue.versions import catalogue_changed
from onecouncil.core.actors import Actor
from tests.factories import QuestionFactory, ServiceFactory, make_case

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "open311"
BASE = "/open311/v2"


def schema(name):
    registry = Registry().with_resources(
        (
            path.name,
            Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT4),
        )
        for path in SCHEMAS.glob("*.json")
    )
    return jsonschema.Draft4Validator(
        json.loads((SCHEMAS / name).read_text()),
        registry=registry,
        format_checker=jsonschema.FormatChecker(),
    )


def valid(name, content):
    schema(name).validate(content)
    return content


@pytest.fixture
def service(council):
    service = ServiceFactory(
        council=council, code="pothole", name="Report a pothole", anonymous_allowed=False
    )
    for order, (code, kind, extra) in enumerate(
        [
            (
                "size",
                "one_of",
                {
                    "options": [
                        {"value": "small", "label": "Small"},
                        {"value": "large", "label": "Large"},
                    ]
                },
            ),
            (
                "hazards",
                "several_of",
                {
                    "options": [
                        {"value": "water", "label": "Water"},
                        {"value": "glass", "label": "Glass"},
                    ]
                },
            ),
            ("depth", "number", {"min_value": 0, "max_value": 100, "required": False}),
            ("seen_on", "date", {"required": False}),
            ("notes", "long_text", {"required": False}),
            ("plate", "short_text", {"required": False}),
            ("urgent", "yes_no", {"required": False}),
            ("photo", "photo", {"required": False}),
        ],
        start=1,
    ):
        QuestionFactory(
            service=service, code=code, kind=kind, order=order, label=f"{code}?", **extra
        )
    return service


@pytest.fixture
def key(council):
    return api_key_issue(council=council, name="FixMyStreet").key


def post(client, key, **data):
    body = {
        "jurisdiction_id": "riverbend",
        "api_key": key,
        "service_code": "pothole",
        "attribute[size]": "large",
        "attribute[hazards][]": ["water", "glass"],
        "lat": "52.4862",
        "long": "-1.8904",
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "ann@example.com",
        "description": "Deep hole by the kerb",
    }
    body.update(data)
    return client.post(f"{BASE}/requests.json", {k: v for k, v in body.items() if v is not None})


def xml(response):
    root = ET.fromstring(response.content)  # well-formed, or this raises
    return root, xmltodict.parse(response.content)


def test_discovery(client, council):
    content = client.get(f"{BASE}/discovery.json").json()
    endpoint = content["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root, parsed = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert parsed["discovery"]["endpoints"]["endpoint"]["type"] == "production"


def test_services_in_both_formats(client, service):
    response = client.get(f"{BASE}/services.json", {"jurisdiction_id": "riverbend"})
    services = valid("services.json", response.json())
    assert [s["service_code"] for s in services] == ["pothole"]
    assert services[0]["metadata"] is True and services[0]["group"] == service.group.name
    root, parsed = xml(client.get(f"{BASE}/services.xml", {"jurisdiction_id": "riverbend"}))
    assert root.tag == "services"
    assert parsed["services"]["service"]["service_code"] == "pothole"
    assert parsed["services"]["service"]["metadata"] == "true"


def test_service_lists_and_definitions_revalidate_with_etags(client, service):
    query = {"jurisdiction_id": "riverbend"}
    url = f"{BASE}/services.json"
    first = client.get(url, query)
    etag = first["ETag"]
    assert first.status_code == 200 and etag and first["Cache-Control"] == "no-cache"
    again = client.get(url, query, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and not again.content
    xml = client.get(f"{BASE}/services.xml", query, HTTP_IF_NONE_MATCH=etag)
    assert xml.status_code == 200  # another format is another representation
    definition = f"{BASE}/services/{service.code}.json"
    known = client.get(definition, query)["ETag"]
    assert client.get(definition, query, HTTP_IF_NONE_MATCH=known).status_code == 304
    service.name = "Report a bin we missed"
    service.save()
    catalogue_changed(council_id=service.council_id)  # as the admin and the import do
    changed = client.get(url, query, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Report a bin we missed" in changed.text
    assert client.get(definition, query, HTTP_IF_NONE_MATCH=known).status_code == 200


def test_service_definition_has_every_datatype(client, service):
    definition = valid(
        "service-definition.json",
        client.get(f"{BASE}/services/pothole.json", {"jurisdiction_id": "riverbend"}).json(),
    )
    types = {a["code"]: a["datatype"] for a in definition["attributes"]}
    assert types == {
        "size": "singlevaluelist",
        "hazards": "multivaluelist",
        "depth": "number",
        "seen_on": "datetime",
        "notes": "text",
        "plate": "string",
        "urgent": "singlevaluelist",
        "photo": "string",
        "contact_needed": "string",
    }
    assert [a["order"] for a in definition["attributes"]] == list(range(1, 10))
    # The one contact rule, told as a notice: nothing to answer.
    notice = definition["attributes"][-1]
    assert notice["variable"] is False and "email or phone" in notice["description"]
    size = definition["attributes"][0]
    assert size["required"] is True and size["values"][1] == {"key": "large", "name": "Large"}
    _root, parsed = xml(
        client.get(f"{BASE}/services/pothole.xml", {"jurisdiction_id": "riverbend"})
    )
    attributes = parsed["service_definition"]["attributes"]["attribute"]
    assert [a["code"] for a in attributes] == [a["code"] for a in definition["attributes"]]
    assert (
        client.get(f"{BASE}/services/nope.json", {"jurisdiction_id": "riverbend"}).status_code
        == 404
    )


def test_jurisdiction_rules(client, council, other_council, service):
    missing = client.get(f"{BASE}/services.json")
    assert (
        missing.status_code == 400
        and "jurisdiction_id is required" in missing.json()[0]["description"]
    )
    empty = client.get(f"{BASE}/services.json", {"jurisdiction_id": ""})
    assert empty.status_code == 400  # an empty parameter is an absent one
    unknown = client.get(f"{BASE}/services.xml", {"jurisdiction_id": "atlantis"})
    assert unknown.status_code == 404
    root, parsed = xml(unknown)
    assert root.tag == "errors" and parsed["errors"]["error"]["code"] == "404"
    theirs = client.get(f"{BASE}/services.json", {"jurisdiction_id": "northfield"}).json()
    assert theirs == []  # another council's catalogue, not this one


def test_post_creates_through_the_same_rules_as_the_web(client, service, key):
    response = post(
        client,
        key,
        **{
            "attribute[depth]": "12",
            "attribute[seen_on]": "2026-11-01",
            "attribute[urgent]": "yes",
        },
    )
    assert response.status_code == 201, response.content
    reference = response.json()[0]["service_request_id"]
    case = Case.objects.get(reference=reference)
    assert case.channel == "api" and case.channel_detail == "FixMyStreet"
    assert case.answers == {
        "size": "large",
        "hazards": ["water", "glass"],
        "depth": "12",
        "seen_on": "2026-11-01",
        "urgent": "yes",
    }
    assert case.description == "Deep hole by the kerb"
    assert case.team == service.team and case.due_at is not None
    assert case.events.filter(kind=EventKind.CREATED).exists()
    from onecouncil.notify.models import Notification

    assert Notification.objects.filter(subject_reference=reference).exists()


@pytest.mark.parametrize(
    ("data", "status", "text"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "oc_wrong"}, 403, "api_key"),
        ({"service_code": ""}, 400, "service_code is required"),
        ({"service_code": "nope"}, 404, "service_code nope was not found"),
        ({"attribute[size]": "huge"}, 400, "attribute[size]"),
        ({"attribute[hazards][]": ["fire"]}, 400, "attribute[hazards]"),
        ({"attribute[depth]": "deep"}, 400, "attribute[depth]"),
        ({"attribute[seen_on]": "yesterday"}, 400, "attribute[seen_on]"),
        ({"lat": "", "long": ""}, 400, "lat/long, address_string or address_id"),
        ({"lat": "40.7", "long": "-74.0"}, 400, "United Kingdom"),
        ({"address_id": "999"}, 400, "address_id 999"),
        (
            {"email": "", "first_name": "", "last_name": ""},
            400,
            "email or phone: Enter an email address or a phone",
        ),
        ({"attribute[size]": ["small", "large"]}, 400, "attribute[size]: takes one value"),
        ({"email": "not-an-email"}, 400, "email"),
    ],
)
def test_post_errors(client, service, key, data, status, text):
    response = post(client, key, **data)
    assert response.status_code == status, response.content
    assert any(text in e["description"] for e in response.json()), response.json()
    assert not Case.objects.exists()


def test_keys_belong_to_one_council_and_can_be_revoked(client, service, key, other_council):
    theirs = api_key_issue(council=other_council, name="Other").key
    assert post(client, theirs).status_code == 403
    from onecouncil.api.models import ApiKey

    for each in ApiKey.objects.all():
        api_key_revoke(each)
    assert post(client, key).status_code == 403


def test_rate_limit_per_key(client, service, council, monkeypatch):
    # One fixed moment, so the three calls cannot straddle two one-minute windows.
    moment = timezone.now().replace(second=30)
    monkeypatch.setattr("onecouncil.api.keys.timezone.now", lambda: moment)
    limited = api_key_issue(council=council, name="Busy app", rate_limit_per_minute=2).key
    assert post(client, limited).status_code == 201
    assert post(client, limited).status_code == 201
    third = post(client, limited)
    assert third.status_code == 429
    assert int(third["Retry-After"]) >= 1
    assert "Too many requests" in third.json()[0]["description"]


def test_idempotency_key_header(client, service, key):
    first = client.post(
        f"{BASE}/requests.json",
        {
            "jurisdiction_id": "riverbend",
            "api_key": key,
            "service_code": "pothole",
            "attribute[size]": "small",
            "attribute[hazards][]": "water",
            "lat": "52.4862",
            "long": "-1.8904",
            "first_name": "Ann",
            "email": "ann@example.com",
        },
        HTTP_IDEMPOTENCY_KEY="fms-123",
    )
    again = client.post(
        f"{BASE}/requests.json",
        {
            "jurisdiction_id": "riverbend",
            "api_key": key,
            "service_code": "pothole",
            "attribute[size]": "small",
            "attribute[hazards][]": "water",
            "lat": "52.4862",
            "long": "-1.8904",
            "first_name": "Ann",
            "email": "ann@example.com",
        },
        HTTP_IDEMPOTENCY_KEY="fms-123",
    )
    assert first.json() == again.json() and Case.objects.count() == 1


def test_get_requests_filters_and_rules(client, service, key, missed_bin):
    ids = [post(client, key).json()[0]["service_request_id"] for _ in range(3)]
    bin_case = make_case(missed_bin, answers={"which_bin": "general", "out_by_7am": "yes"}).case
    old = Case.objects.get(reference=ids[0])
    Case.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=120))
    case_change_status(
        case=Case.objects.get(reference=ids[1]),
        status="fixed",
        actor=Actor.system("Officer"),
    )

    def get(**p):
        return client.get(
            f"{BASE}/requests.json",
            {"jurisdiction_id": "riverbend", **p},
        )

    recent = valid("requests.json", get().json())
    assert {r["service_request_id"] for r in recent} == {ids[1], ids[2], bin_case.reference}
    assert {r["service_request_id"] for r in get(status="closed").json()} == {ids[1]}
    assert {r["service_request_id"] for r in get(status="open").json()} == {
        ids[2],
        bin_case.reference,
    }
    assert {r["service_request_id"] for r in get(service_code="pothole").json()} == {ids[1], ids[2]}
    # service_request_id wins over every other filter, even the 90 days.
    both = get(service_request_id=f"{ids[0]},{bin_case.reference}", status="closed").json()
    assert {r["service_request_id"] for r in both} == {ids[0], bin_case.reference}
    start = (timezone.now() - dt.timedelta(days=130)).isoformat()
    end = (timezone.now() - dt.timedelta(days=100)).isoformat()
    assert [r["service_request_id"] for r in get(start_date=start, end_date=end).json()] == [ids[0]]
    too_long = get(start_date="2026-01-01T00:00:00Z", end_date="2026-06-01T00:00:00Z")
    assert too_long.status_code == 400 and "90 days" in too_long.json()[0]["description"]
    assert get(start_date="yesterday").status_code == 400
    assert get(status="pending").status_code == 400
    assert get(start_date="", end_date="", status="").status_code == 200
    one = recent[0]
    assert one["requested_datetime"].endswith(("+00:00", "+01:00"))
    _root, parsed = xml(client.get(f"{BASE}/requests.xml", {"jurisdiction_id": "riverbend"}))
    items = parsed["service_requests"]["request"]
    assert {i["service_request_id"] for i in items} == {r["service_request_id"] for r in recent}


def test_public_requests_never_show_the_reporter_or_the_exact_home(client, service, key):
    reference = post(client, key).json()[0]["service_request_id"]
    text = client.get(
        f"{BASE}/requests/{reference}.json", {"jurisdiction_id": "riverbend"}
    ).content.decode()
    for secret in ("Ann", "Lee", "ann@example.com"):
        assert secret not in text
    item = json.loads(text)[0]
    assert item["lat"] == 52.486 and item["long"] == -1.89 and item["address_id"] is None


def test_single_request_and_token(client, service, key, other_council):
    reference = post(client, key).json()[0]["service_request_id"]
    found = valid(
        "requests.json",
        client.get(f"{BASE}/requests/{reference}.json", {"jurisdiction_id": "riverbend"}).json(),
    )
    assert found[0]["service_request_id"] == reference and found[0]["status"] == "open"
    assert (
        client.get(
            f"{BASE}/requests/{reference}.json", {"jurisdiction_id": "northfield"}
        ).status_code
        == 404
    )
    _root, parsed = xml(
        client.get(f"{BASE}/requests/{reference}.xml", {"jurisdiction_id": "riverbend"})
    )
    assert parsed["service_requests"]["request"]["service_request_id"] == reference
    assert (
        client.get(f"{BASE}/tokens/nope.json", {"jurisdiction_id": "riverbend"}).status_code == 404
    )


def test_a_request_that_cannot_be_saved_at_once_gets_a_token(client, service, key, monkeypatch):
    import onecouncil.api.open311.views.requests as views

    real = views.create_from_payload

    def busy(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(views, "create_from_payload", busy)
    response = post(client, key)
    assert response.status_code == 201
    token = response.json()[0]["token"]
    waiting = client.get(f"{BASE}/tokens/{token}.json", {"jurisdiction_id": "riverbend"}).json()
    assert waiting == [{"service_request_id": None, "token": token}]
    monkeypatch.setattr(views, "create_from_payload", real)
    assert process_pending() == 1
    done = client.get(f"{BASE}/tokens/{token}.json", {"jurisdiction_id": "riverbend"}).json()
    assert Case.objects.get(reference=done[0]["service_request_id"]).channel == "api"
    assert PendingRequest.objects.get().service_request_id == done[0]["service_request_id"]


def test_updates_extension(client, service, key):
    reference = post(client, key).json()[0]["service_request_id"]
    case = Case.objects.get(reference=reference)
    officer = Actor.system("Officer")
    case_add_update(case=case, message="Inspected today", actor=officer)
    case = case_change_status(case=case, status="action_scheduled", actor=officer)
    case = case_change_status(
        case=case, status="closed", actor=officer, closure_reason="not_responsible"
    )
    params = {
        "jurisdiction_id": "riverbend",
        "start_date": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "end_date": (timezone.now() + dt.timedelta(minutes=1)).isoformat(),
    }
    updates = client.get(f"{BASE}/servicerequestupdates.json", params).json()
    assert [u["status"] for u in updates] == [
        "open",
        "action_scheduled",
        "not_councils_responsibility",
    ]
    assert updates[0]["description"] == "Inspected today"
    assert all(u["service_request_id"] == reference for u in updates)
    _root, parsed = xml(client.get(f"{BASE}/servicerequestupdates.xml", params))
    assert len(parsed["service_request_updates"]["request_update"]) == 3
    too_long = client.get(
        f"{BASE}/servicerequestupdates.json",
        {
            "jurisdiction_id": "riverbend",
            "start_date": "2026-01-01T00:00:00Z",
            "end_date": "2026-12-01T00:00:00Z",
        },
    )
    assert too_long.status_code == 400
    # A resident's update from the client app asking to reopen it reopens it; their words
    # stay internal.
    response = client.post(
        f"{BASE}/servicerequestupdates.json",
        {
            "jurisdiction_id": "riverbend",
            "api_key": key,
            "service_request_id": reference,
            "update_id": "fms-9",
            "status": "REOPEN",
            "description": "Still a hole here",
            "email": "ann@example.com",
            "first_name": "Ann",
            "last_name": "Lee",
            "updated_datetime": timezone.now().isoformat(),
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()[0]["update_id"]
    case.refresh_from_db()
    assert case.status == "reopened"
    note = case.events.get(kind=EventKind.NOTE, message__startswith="Still a hole here")
    assert not note.is_public and note.data["client_update_id"] == "fms-9"
    assert "Status sent by FixMyStreet: REOPEN" in note.message
    for bad, code in (
        ({"service_request_id": ""}, 400),
        ({"description": ""}, 400),
        ({"service_request_id": "RVB-NOPE-NOPE"}, 404),
        ({"api_key": ""}, 403),
        ({"status": "maybe"}, 400),
    ):
        data = {
            "jurisdiction_id": "riverbend",
            "api_key": key,
            "service_request_id": reference,
            "description": "x",
            **bad,
        }
        assert client.post(f"{BASE}/servicerequestupdates.json", data).status_code == code


@pytest.mark.django_db(transaction=True)
def test_a_real_client_written_by_others(live_server, council, service, key):
    """The PyPI package georeport reads services, definitions and requests, JSON and XML."""
    from georeport import GeoReport

    created = post(__import__("django.test", fromlist=["Client"]).Client(), key)
    reference = created.json()[0]["service_request_id"]
    for fmt in ("json", "xml"):
        client = GeoReport(
            f"{live_server.url}/open311/v2", jurisdiction="riverbend", output_format=fmt
        )
        services = client.get_service_list()
        listed = services if isinstance(services, list) else [services]
        assert listed[0]["service_code"] == "pothole"
        definition = client.get_service_definition("pothole")
        assert definition["service_code"] == "pothole"
        found = client.get_service_requests()
        items = found if isinstance(found, list) else [found]
        assert items[0]["service_request_id"] == reference
        one = client.get_service_request(reference)
        assert one["service_request_id"] == reference and one["status"] == "open"


def _flatten(value):
    """JSON content as XML text would carry it (booleans, numbers and nulls as text)."""
    if isinstance(value, dict):
        return {k: _flatten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_flatten(v) for v in value]
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.parametrize(
    ("path", "root", "item"),
    [
        ("services", "services", "service"),
        ("requests", "service_requests", "request"),
        ("services/pothole", "service_definition", None),
    ],
)
def test_xml_and_json_carry_the_same_content(client, service, key, path, root, item):
    post(client, key)
    params = {"jurisdiction_id": "riverbend"}
    as_json = client.get(f"{BASE}/{path}.json", params).json()
    parsed = xmltodict.parse(client.get(f"{BASE}/{path}.xml", params).content)[root]
    if item is None:
        attributes = parsed["attributes"]["attribute"]
        parsed["attributes"] = attributes
        for attribute in attributes:
            if "values" in attribute:
                values = attribute["values"]["value"]
                attribute["values"] = values if isinstance(values, list) else [values]
        assert parsed == _flatten(as_json)
    else:
        items = parsed[item] if isinstance(parsed[item], list) else [parsed[item]]
        assert items == _flatten(as_json)


# Every character XML 1.0 forbids, even as a character reference, that a form can carry.
XML_FORBIDDEN = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]] + [
    "\ufffe",
    "\uffff",
]


@pytest.mark.parametrize("char", XML_FORBIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_text_xml_forbids_never_breaks_an_xml_answer(client, service, key, char):
    """A request and updates holding the character are stored as received (NUL, which
    no database stores, as U+FFFD) and every XML answer that includes them parses, with
    the character shown as U+FFFD; the JSON answers carry it as sent."""
    words = f"Deep hole{char}by the kerb"
    reference = post(client, key, description=words).json()[0]["service_request_id"]
    case = Case.objects.get(reference=reference)
    assert case.description == words.replace("\x00", "\ufffd")
    officer = Actor.system("Officer")
    from onecouncil.cases.actions import case_publish_description

    case_publish_description(case=case, actor=officer)
    # Staff pages refuse NUL (Django's form fields); the rest may come from any channel.
    staff_char = "\ufffd" if char == "\x00" else char
    case_add_update(case=case, message=f"Inspected{staff_char}today", actor=officer)
    update = client.post(
        f"{BASE}/servicerequestupdates.xml",
        {
            "jurisdiction_id": "riverbend",
            "api_key": key,
            "service_request_id": reference,
            "description": f"Still{char}there",
            "status": "OPEN",
        },
    )
    assert update.status_code == 200
    ET.fromstring(update.content)
    window = {
        "jurisdiction_id": "riverbend",
        "start_date": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "end_date": (timezone.now() + dt.timedelta(minutes=1)).isoformat(),
    }
    service.name, service.description = f"Pothole{staff_char}", f"Holes{staff_char}in roads"
    service.save()
    catalogue_changed(council_id=service.council_id)  # as the admin and the import do
    question = service.questions.first()
    question.label = f"How big{staff_char}is it?"
    question.save()
    answers = {
        "discovery": client.get(f"{BASE}/discovery.xml"),
        "services": client.get(f"{BASE}/services.xml", {"jurisdiction_id": "riverbend"}),
        "definition": client.get(f"{BASE}/services/pothole.xml", {"jurisdiction_id": "riverbend"}),
        "requests": client.get(f"{BASE}/requests.xml", {"jurisdiction_id": "riverbend"}),
        "request": client.get(f"{BASE}/requests/{reference}.xml", {"jurisdiction_id": "riverbend"}),
        "updates": client.get(f"{BASE}/servicerequestupdates.xml", window),
        "unknown jurisdiction": client.get(f"{BASE}/services.xml", {"jurisdiction_id": char}),
        "unknown request": client.get(
            f"{BASE}/requests.xml", {"jurisdiction_id": "riverbend", "status": char}
        ),
    }
    for name, response in answers.items():
        root = ET.fromstring(response.content)  # raises if XML 1.0 forbids anything in it
        assert root is not None, name
    shown = ET.fromstring(answers["request"].content).find("request").findtext("description")
    assert shown == "Deep hole\ufffdby the kerb"
    updates = ET.fromstring(answers["updates"].content).findall("request_update")
    assert "Inspected\ufffdtoday" in [u.findtext("description") for u in updates]
    as_json = client.get(f"{BASE}/requests/{reference}.json", {"jurisdiction_id": "riverbend"})
    assert as_json.json()[0]["description"] == case.description
