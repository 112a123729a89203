"""The REST API: keys with a staff role's permissions, the same rules as the staff pages,
stable cursors, and the committed OpenAPI document."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from onecouncil.api.keys import api_key_issue, api_key_revoke
from onecouncil.api.models import ApiKey, KeyKind
from onecouncil.cases.models import Case, EventKind
from tests.backoffice_helpers import staff
from tests.factories import make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}
API = "/api/v1"
OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def key_for(council, role):
    return api_key_issue(
        council=council, name=f"Contractor ({role})", kind=KeyKind.REST, role=role
    ).key


@pytest.fixture
def officer_key(council):
    return key_for(council, "case_officer")


def call(client, method, url, key, body=None, **headers):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    extra.update({f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})
    if method == "get":
        return client.get(url, **extra)
    return client.post(url, data=json.dumps(body or {}), content_type="application/json", **extra)


def test_keys_are_checked(client, council, missed_bin):
    assert call(client, "get", f"{API}/requests", None).status_code == 401
    assert call(client, "get", f"{API}/requests", "oc_nonsense").status_code == 401
    open311 = api_key_issue(council=council, name="FMS").key
    assert call(client, "get", f"{API}/requests", open311).status_code == 401
    key = key_for(council, "case_officer")
    assert call(client, "get", f"{API}/requests", key).status_code == 200
    for each in ApiKey.objects.all():
        api_key_revoke(each)
    assert call(client, "get", f"{API}/requests", key).status_code == 401


def test_create_read_and_work_a_request(client, council, missed_bin, officer_key, address):
    body = {
        "service_code": "missed-bin",
        "answers": ANSWERS,
        "location": {"uprn": address.uprn},
        "contact": {"name": "Ann Lee", "email": "ann@example.com"},
    }
    created = call(
        client, "post", f"{API}/requests", officer_key, body, **{"Idempotency-Key": "job-77"}
    )
    assert created.status_code == 201, created.content
    reference = created.json()["reference"]
    again = call(
        client, "post", f"{API}/requests", officer_key, body, **{"Idempotency-Key": "job-77"}
    )
    assert again.json()["reference"] == reference and Case.objects.count() == 1
    case = Case.objects.get()
    assert case.channel == "api" and case.channel_detail == "Contractor (case_officer)"
    read = call(client, "get", f"{API}/requests/{reference}", officer_key).json()
    assert read["contact"]["email"] == "ann@example.com" and read["uprn"] == address.uprn
    assert [e["kind"] for e in read["events"]][:2] == ["created", "routed"]
    no_reason = call(
        client, "post", f"{API}/requests/{reference}/status", officer_key, {"status": "closed"}
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["detail"]
    update = call(
        client,
        "post",
        f"{API}/requests/{reference}/updates",
        officer_key,
        {"message": "Crew on site"},
    )
    assert update.status_code == 201 and update.json()["public"] is True
    note = call(
        client,
        "post",
        f"{API}/requests/{reference}/updates",
        officer_key,
        {"message": "Gate code 4", "public": False},
    )
    assert note.json()["kind"] == "note" and note.json()["public"] is False
    user = staff(council, "case_officer", username="owen")
    assigned = call(
        client, "post", f"{API}/requests/{reference}/assign", officer_key, {"assignee": "owen"}
    )
    assert assigned.json()["assignee"] == "owen"
    unknown = call(
        client, "post", f"{API}/requests/{reference}/assign", officer_key, {"assignee": "nobody"}
    )
    assert unknown.status_code == 400
    closed = call(
        client,
        "post",
        f"{API}/requests/{reference}/status",
        officer_key,
        {"status": "closed", "closure_reason": "no_action"},
    )
    assert closed.json()["status"] == "closed" and closed.json()["closure_reason"] == "no_action"
    case.refresh_from_db()
    assert case.assignee == user
    kinds = list(case.events.values_list("kind", flat=True))
    assert EventKind.PUBLIC_UPDATE in kinds and EventKind.NOTE in kinds


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"service_code": "nope"}, "service_code", 400),
        ({"service_code": "missed-bin", "answers": {"which_bin": "purple"}}, "which_bin", 400),
        (
            {"service_code": "missed-bin", "answers": ANSWERS, "location": {"uprn": 1}},
            "location.uprn",
            400,
        ),
        ({"service_code": "missed-bin", "answers": ANSWERS}, "location", 400),
        # 422: the body's shape or types are wrong; 400: the rules refuse what it says.
        ({"service_code": ""}, "service_code", 422),
        ({"answers": ANSWERS}, "service_code", 422),
        ({"service_code": "missed-bin", "location": {"latitude": 500}}, "location.latitude", 422),
    ],
)
def test_bad_input_is_explained(client, missed_bin, officer_key, body, field, status):
    response = call(client, "post", f"{API}/requests", officer_key, body)
    assert response.status_code == status, response.content
    assert any(field in name for name in response.json()["errors"]), response.json()
    assert not Case.objects.exists()


def test_roles_limit_what_keys_may_do(client, council, missed_bin, address):
    case = make_case(missed_bin, answers=ANSWERS).case
    councillor = key_for(council, "councillor")
    listed = call(client, "get", f"{API}/requests", councillor)
    assert listed.status_code == 200 and listed.json()["items"] == []  # no wards
    adviser = key_for(council, "adviser")
    read = call(client, "get", f"{API}/requests/{case.reference}", adviser).json()
    assert read["contact"]["name"] == "Sam Resident"
    assert (
        call(
            client,
            "post",
            f"{API}/requests/{case.reference}/status",
            adviser,
            {"status": "in_progress"},
        ).status_code
        == 403
    )
    assert (
        call(
            client, "post", f"{API}/requests/{case.reference}/assign", adviser, {"assignee": None}
        ).status_code
        == 403
    )


def test_another_councils_requests_are_not_found(client, council, other_council, missed_bin):
    case = make_case(missed_bin, answers=ANSWERS).case
    theirs = key_for(other_council, "administrator")
    assert call(client, "get", f"{API}/requests/{case.reference}", theirs).status_code == 404
    assert call(client, "get", f"{API}/requests", theirs).json()["items"] == []


def test_stable_cursor_pagination_and_search(client, council, missed_bin, officer_key):
    made = [make_case(missed_bin, answers=ANSWERS).case.reference for _ in range(5)]
    seen, cursor = [], None
    while True:
        url = f"{API}/requests?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = call(client, "get", url, officer_key).json()
        seen += [item["reference"] for item in page["items"]]
        if len(seen) == 2:
            make_case(missed_bin, answers=ANSWERS)  # a new request arrives meanwhile
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    assert call(client, "get", f"{API}/requests?cursor=rubbish", officer_key).status_code == 400
    found = call(client, "get", f"{API}/requests?q={made[0].lower()}", officer_key).json()
    assert [i["reference"] for i in found["items"]] == [made[0]]


def test_rate_limit(client, council, missed_bin, monkeypatch):
    # One fixed moment, so the calls cannot straddle two one-minute windows.
    moment = timezone.now().replace(second=30)
    monkeypatch.setattr("onecouncil.api.keys.timezone.now", lambda: moment)
    key = api_key_issue(
        council=council,
        name="Busy",
        kind=KeyKind.REST,
        role="case_officer",
        rate_limit_per_minute=1,
    ).key
    assert call(client, "get", f"{API}/requests", key).status_code == 200
    limited = call(client, "get", f"{API}/requests", key)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1


def test_the_committed_openapi_document_is_current(tmp_path, db):
    out = tmp_path / "openapi.json"
    call_command(
        "export_openapi_schema",
        api="onecouncil.api.rest.api.api",
        output=str(out),
        indent=2,
        sorted=True,
    )
    assert json.loads(out.read_text()) == json.loads(OPENAPI.read_text()), (
        "Regenerate docs/openapi.json: onecouncil export_openapi_schema "
        "--api onecouncil.api.rest.api.api --output docs/openapi.json --indent 2 --sorted"
    )
    served = __import__("django.test", fromlist=["Client"]).Client().get(f"{API}/openapi.json")
    assert served.status_code == 200 and served.json()["info"]["title"] == "OneCouncil REST API"


def test_a_service_code_holding_nul_finds_nothing(client, council, missed_bin):
    """Found by the REST fuzzer on PostgreSQL: a 500 before, an empty page now."""
    from onecouncil.api.keys import api_key_issue

    key = api_key_issue(council=council, name="Fuzz", kind="rest", role="team_leader").key
    response = client.get(
        "/api/v1/requests",
        {"service_code": "missed\x00bin"},
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200, response.content
    assert response.json()["items"] == []


def test_a_request_about_an_asset(client, council, missed_bin, officer_key):
    from onecouncil.assets.models import Asset, AssetType

    bins = AssetType.objects.create(council=council, code="litter-bin", name="Litter bin")
    Asset.objects.create(
        council=council, asset_type=bins, identifier="RB-LB-7", latitude=52.48, longitude=-1.89
    )
    body = {
        "service_code": "missed-bin",
        "answers": {"which_bin": "general", "out_by_7am": "yes"},
        "location": {"asset": "RB-LB-7"},
        "contact": {"email": "sam@example.com"},
    }
    made = call(client, "post", f"{API}/requests", officer_key, body)
    assert made.status_code == 201, made.content
    assert made.json()["asset"] == "RB-LB-7" and made.json()["latitude"] == 52.48
    body["location"] = {"asset": "RB-LB-8"}
    refused = call(client, "post", f"{API}/requests", officer_key, body)
    assert refused.status_code == 400  # the rules refuse it (422 is for a wrong shape)
    assert "location.asset" in refused.json()["errors"]
