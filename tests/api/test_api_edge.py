"""At the API edge: cross-origin reads of public data (never credentials), preflights
answered, JSON and XML compressed, and a list cut at its limit says so."""

import gzip
import json

import pytest

from onecouncil.api.keys import api_key_issue
from onecouncil.api.models import KeyKind
from onecouncil.api.open311.views import common as open311_views
from tests.factories import ServiceFactory, make_case

ANSWERS = {"which_bin": "general", "out_by_7am": "yes"}
SERVICES = "/open311/v2/services.json?jurisdiction_id=riverbend"


def test_public_reads_are_allowed_from_any_origin_without_credentials(client, missed_bin):
    response = client.get(SERVICES, HTTP_ORIGIN="https://maps.example")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "X-Results-Truncated" in response["Access-Control-Expose-Headers"]


@pytest.mark.parametrize("path", ["/open311/v2/requests.json", "/api/v1/requests"])
def test_preflights_are_answered(client, db, path):
    preflight = client.options(
        path,
        HTTP_ORIGIN="https://maps.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
    )
    assert preflight.status_code == 204
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight


def test_json_and_xml_are_compressed_and_html_is_not(client, council, missed_bin):
    for n in range(5):
        ServiceFactory(council=council, code=f"service-{n}", name=f"Report problem {n}")
    for path in (SERVICES, SERVICES.replace(".json", ".xml")):
        response = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
        assert response["Content-Encoding"] == "gzip"
        assert gzip.decompress(response.content)
    made = make_case(missed_bin, answers=ANSWERS).case
    key = api_key_issue(council=council, name="c", kind=KeyKind.REST, role="case_officer").key
    rest = client.get(
        "/api/v1/requests", HTTP_ACCEPT_ENCODING="gzip", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert rest["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(rest.content))["items"][0]["reference"] == made.reference
    page = client.get("/riverbend/", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in page


def test_a_list_cut_at_its_limit_says_so(client, missed_bin, monkeypatch):
    monkeypatch.setattr(open311_views, "MAX_RESULTS", 2)
    for _ in range(3):
        make_case(missed_bin, answers=ANSWERS)
    url = "/open311/v2/requests.json?jurisdiction_id=riverbend"
    cut = client.get(url)
    assert len(cut.json()) == 2 and cut["X-Results-Truncated"] == "true"
    assert cut["X-Results-Limit"] == "2"
    whole = client.get(url + "&status=open&service_code=nothing")
    assert "X-Results-Truncated" not in whole
