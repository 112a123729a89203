"""Open311 as real clients use it: each test sends, over HTTP to a live server, exactly
what a published client sends, and reads the answer the way that client does. Each names
the public source file and function whose request it copies.

- FixMyStreet's sender: mysociety/fixmystreet, perllib/Open311.pm (``_request``,
  ``_populate_service_request_params``, ``_populate_service_request_update_params``,
  ``get_service_request_updates``, ``get_service_request_id_from_token``). Parameters go
  form-encoded in the body (HTTP::Request::Common's POST: a list value becomes repeated
  keys); answers are read with XML::Simple as ``request[0].service_request_id``.
- SeeClickFix's validator: SeeClickFix/open311-validator, lib/resource.rb
  (``services_resource``, ``definition_resource``, ``create_resource_once``): paths are
  appended to discovery's endpoint URL with a slash of their own.
- node-open311: mheadd/node-open311, lib/open311.js (``postSericeRequest``,
  ``getServiceRequestList``, ``getServiceDefinition``): every parameter in the query
  string, an empty form-encoded body, and ``requests/json`` for the list.
- open311_python: codeforamerica/open311_python, open311/open311.py
  (``post_service_request``, ``service_definition``): ``endpoint + '/requests.xml'`` with
  a urlencoded body, and ``service/{code}.xml`` (sic) for a definition.
"""

import datetime as dt
import xml.etree.ElementTree as ET
from urllib.parse import quote, urlencode, urlsplit

import pytest
import requests
import xmltodict
from django.test import Client

from onecouncil.api.keys import api_key_issue
from onecouncil.cases.actions import case_change_status
from onecouncil.cases.models import Case, EventKind, Status
from onecouncil.catalogue.versions import catalogue_changed
from onecouncil.core.actors import Actor
from onecouncil.core.models import Role
from tests.backoffice_helpers import staff
from tests.factories import AddressFactory, QuestionFactory, ServiceFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def services(council):
    """A plain service first (the validator posts to the first listed), then bulky
    waste, asking one-of and several-of questions."""
    ServiceFactory(
        council=council, code="graffiti", name="Report graffiti", order=1, anonymous_allowed=True
    )
    bulky = ServiceFactory(council=council, code="bulky", name="Report dumped bulky waste", order=2)
    QuestionFactory(
        service=bulky,
        code="what",
        label="What was dumped?",
        kind="several_of",
        order=1,
        options=[
            {"value": "bags", "label": "Bags"},
            {"value": "tyres", "label": "Tyres"},
            {"value": "fridge", "label": "A fridge"},
        ],
    )
    QuestionFactory(
        service=bulky,
        code="size",
        label="How much?",
        kind="one_of",
        order=2,
        options=[
            {"value": "small", "label": "A car boot"},
            {"value": "large", "label": "A van load"},
        ],
    )
    return bulky


@pytest.fixture
def key(council):
    return api_key_issue(council=council, name="FixMyStreet").key


@pytest.fixture
def endpoint(live_server):
    """The base URL a client is configured with, ending in a slash as discovery gives it."""
    return f"{live_server.url}/open311/v2/"


def simple(response):
    """The answer as FixMyStreet reads it: XML::Simple, each item a list (ForceArray)."""
    root = ET.fromstring(response.content)  # well-formed, or this raises
    return {child.tag: root.findall(child.tag) for child in root}


def fixmystreet_request_params(**extra):
    """``_populate_service_request_params`` with ``extended_description`` (the UK form),
    ``always_send_latlong``, ``multi_photos``, and the extra fields FixMyStreet's UK
    cobrands add (``open311_extra_data``)."""
    params = {
        "description": (
            "title: Sofa and bags dumped\n\n"
            "detail: A sofa, tyres and black bags on the verge <2m from the bus stop\n\n"
            "url: https://www.fixmystreet.com/report/1234\n\n"
            "Submitted via FixMyStreet\n"
        ),
        "service_code": "bulky",
        "first_name": "Ann",
        "last_name": "Lee",
        "email": "ann@example.com",
        "lat": "52.486243",  # Utils::truncate_coordinate: 6 decimal places
        "long": "-1.890401",
        "media_url": [
            "https://www.fixmystreet.com/photo/1234.0.full.jpeg",
            "https://www.fixmystreet.com/photo/1234.1.full.jpeg",
        ],
        "attribute[what]": ["bags", "tyres"],
        "attribute[size]": "large",
        "attribute[fixmystreet_id]": "1234",
        "attribute[easting]": "406800",
        "attribute[northing]": "286700",
        "attribute[report_url]": "https://www.fixmystreet.com/report/1234",
        "attribute[title]": "Sofa and bags dumped",
        "attribute[category]": "Bulky waste",
    }
    params.update(extra)
    return params


def fixmystreet_post(endpoint, path, key, params):
    """``_request`` for POST: jurisdiction_id and api_key joined to the parameters, all
    form-encoded in the body."""
    body = {"jurisdiction_id": "riverbend", "api_key": key, **params}
    return requests.post(endpoint + path, data=body, timeout=10)


def test_fixmystreet_sends_a_report(endpoint, services, key, address):
    """perllib/Open311.pm ``send_service_request``: the report is created, repeated keys
    make a several-of answer, ``attribute[uprn]`` names the address, and every other
    attribute, photo link and the whole description reach staff."""
    params = fixmystreet_request_params(**{"attribute[uprn]": str(address.uprn)})
    response = fixmystreet_post(endpoint, "requests.xml", key, params)
    assert response.status_code == 201, response.text
    request = simple(response)["request"][0]
    reference = request.findtext("service_request_id")
    case = Case.objects.get(reference=reference)
    assert case.answers == {"what": ["bags", "tyres"], "size": "large"}
    assert case.address == address
    assert case.description == params["description"].strip()
    assert case.contact_email == "ann@example.com" and case.contact_name == "Ann Lee"
    notes = [e.message for e in case.events.filter(kind=EventKind.NOTE)]
    kept = next(n for n in notes if "does not ask for" in n)
    for code in ("fixmystreet_id: 1234", "easting: 406800", "category: Bulky waste"):
        assert code in kept
    assert "uprn" not in kept  # it named the address instead
    assert params["media_url"][0] in notes and params["media_url"][1] in notes


def test_fixmystreet_uprn_outside_the_council_is_kept_for_staff(endpoint, services, key):
    params = fixmystreet_request_params(**{"attribute[uprn]": "999999999999"})
    response = fixmystreet_post(endpoint, "requests.xml", key, params)
    assert response.status_code == 201, response.text
    case = Case.objects.get(reference=simple(response)["request"][0].findtext("service_request_id"))
    assert case.address is None and case.latitude is not None
    assert any("uprn: 999999999999" in e.message for e in case.events.filter(kind=EventKind.NOTE))


def test_fixmystreet_several_values_for_a_one_of_question_are_refused(endpoint, services, key):
    params = fixmystreet_request_params(**{"attribute[size]": ["small", "large"]})
    response = fixmystreet_post(endpoint, "requests.xml", key, params)
    assert response.status_code == 400
    error = ET.fromstring(response.content).find("error")
    assert "attribute[size]: takes one value, and 2 were sent" in error.findtext("description")
    assert not Case.objects.exists()


def test_a_long_description_is_kept_whole(endpoint, services, key):
    """A report refused by the back end is a report lost: past the 4,000 characters a
    request keeps, the rest goes to staff as a note."""
    long = "The verge is covered. " * 400  # 8,800 characters
    response = fixmystreet_post(
        endpoint, "requests.xml", key, fixmystreet_request_params(description=long)
    )
    assert response.status_code == 201, response.text
    case = Case.objects.get()
    rest = case.events.get(kind=EventKind.NOTE, data__description_continued=True).message
    assert case.description == long.strip()[:4000]
    assert rest.endswith(long.strip()[4000:])


def test_text_with_angle_brackets_is_accepted_and_escaped(endpoint, services, key, council):
    """'A hole <30cm wide and >10cm deep' is ordinary text, not HTML: kept as sent, and
    escaped wherever it is shown."""
    words = "a hole <30cm wide and >10cm deep <script>alert(1)</script>"
    response = fixmystreet_post(
        endpoint, "requests.json", key, fixmystreet_request_params(description=words)
    )
    assert response.status_code == 201, response.text
    case = Case.objects.get()
    assert case.description == words
    from onecouncil.cases.actions import case_publish_description

    case_publish_description(case=case, actor=Actor.system("Officer"))
    browser = Client()
    browser.force_login(staff(council, Role.SERVICE_MANAGER))
    page = browser.get(f"/riverbend/staff/cases/{case.reference}/").content.decode()
    assert "a hole &lt;30cm wide and &gt;10cm deep &lt;script&gt;" in page
    assert "<script>alert(1)</script>" not in page
    as_xml = requests.get(
        f"{endpoint}requests/{case.reference}.xml", {"jurisdiction_id": "riverbend"}, timeout=10
    )
    assert ET.fromstring(as_xml.content).find("request").findtext("description") == words


def test_contact_follows_the_one_contact_rule(endpoint, services, key):
    """A name is never required; a service that is not anonymous needs an email or a
    phone, as its definition says."""
    definition = ET.fromstring(
        requests.get(
            f"{endpoint}services/bulky.xml", {"jurisdiction_id": "riverbend"}, timeout=10
        ).content
    )
    notice = next(a for a in definition.iter("attribute") if a.findtext("code") == "contact_needed")
    assert notice.findtext("variable") == "false"
    assert "email address or a phone number" in notice.findtext("description")
    nameless = fixmystreet_post(
        endpoint,
        "requests.xml",
        key,
        fixmystreet_request_params(first_name="", last_name="", email="", phone="01234 567890"),
    )
    assert nameless.status_code == 201, nameless.text
    neither = fixmystreet_post(
        endpoint, "requests.xml", key, fixmystreet_request_params(email="", first_name="Ann")
    )
    assert neither.status_code == 400
    assert "email or phone" in ET.fromstring(neither.content).find("error").findtext("description")


def _fixmystreet_update(endpoint, key, reference, status, **extra):
    """``_populate_service_request_update_params`` (``extended_statuses`` on)."""
    params = {
        "updated_datetime": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "service_request_id": reference,
        "status": status,
        "description": f"Update from the resident ({status})",
        "last_name": "-",
        "first_name": "Ann",
        "email": "ann@example.com",
        "update_id": "5678",
        **extra,
    }
    return fixmystreet_post(endpoint, "servicerequestupdates.xml", key, params)


@pytest.fixture
def reported(endpoint, services, key):
    response = fixmystreet_post(endpoint, "requests.xml", key, fixmystreet_request_params())
    assert response.status_code == 201, response.text
    return Case.objects.get(reference=simple(response)["request"][0].findtext("service_request_id"))


EXTENDED = [
    "FIXED",
    "IN_PROGRESS",
    "ACTION_SCHEDULED",
    "INVESTIGATING",
    "DUPLICATE",
    "NOT_COUNCILS_RESPONSIBILITY",
    "NO_FURTHER_ACTION",
    "INTERNAL_REFERRAL",
    "FOR_TRIAGE",
    "CLOSED",
    "CANCELLED",
    "OPEN",
]


@pytest.mark.parametrize("status", EXTENDED)
def test_fixmystreet_update_statuses_are_recorded_and_never_close(endpoint, key, reported, status):
    response = _fixmystreet_update(endpoint, key, reported.reference, status)
    assert response.status_code == 200, response.text
    update = simple(response)["request_update"][0]
    assert update.findtext("update_id")
    reported.refresh_from_db()
    assert reported.is_open and reported.status == Status.RECEIVED
    note = reported.events.get(kind=EventKind.NOTE, data__client_update_id="5678")
    assert not note.is_public and note.data["client_status"] == status
    assert f"Status sent by FixMyStreet: {status}" in note.message


def test_only_reopen_reopens(endpoint, key, reported):
    officer = Actor.system("Officer")
    case_change_status(case=reported, status=Status.FIXED, actor=officer)
    for status in ("FIXED", "CLOSED", "IN_PROGRESS"):
        assert _fixmystreet_update(endpoint, key, reported.reference, status).status_code == 200
        reported.refresh_from_db()
        assert reported.status == Status.FIXED
    assert _fixmystreet_update(endpoint, key, reported.reference, "REOPEN").status_code == 200
    reported.refresh_from_db()
    assert reported.status == Status.REOPENED


def test_staff_close_then_a_stale_open_does_not_reopen(endpoint, key, reported, council):
    """The race: staff close the request, then the client, from its view of a moment
    before, posts OPEN. It is recorded; the request stays closed unless the council has
    chosen that OPEN reopens."""
    officer = Actor.system("Officer")
    case_change_status(case=reported, status=Status.FIXED, actor=officer)
    assert _fixmystreet_update(endpoint, key, reported.reference, "OPEN").status_code == 200
    reported.refresh_from_db()
    assert reported.status == Status.FIXED
    assert reported.events.filter(kind=EventKind.NOTE, data__client_status="OPEN").exists()
    council.open311_open_reopens = True
    council.save(update_fields=["open311_open_reopens"])
    assert _fixmystreet_update(endpoint, key, reported.reference, "OPEN").status_code == 200
    reported.refresh_from_db()
    assert reported.status == Status.REOPENED


def test_fixmystreet_fetches_updates(endpoint, key, reported):
    """``get_service_request_updates``: GET with api_key, jurisdiction_id and a window."""
    officer = Actor.system("Officer")
    case_change_status(case=reported, status=Status.IN_PROGRESS, actor=officer)
    now = dt.datetime.now(dt.UTC)
    response = requests.get(
        endpoint + "servicerequestupdates.xml",
        {
            "api_key": key,
            "start_date": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end_date": (now + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "jurisdiction_id": "riverbend",
        },
        timeout=10,
    )
    updates = simple(response)["request_update"]
    assert [u.findtext("status") for u in updates] == ["in_progress"]
    assert updates[0].findtext("service_request_id") == reported.reference


def test_seeclickfix_validator(endpoint, services, key):
    """lib/resource.rb: discovery, then ``services_resource`` and ``definition_resource``
    at ``endpoint.url + '/services.xml'`` (a doubled slash), then
    ``create_resource_once`` posting email and description with address_string to the
    first service, in XML and JSON."""
    for fmt in ("json", "xml"):
        assert requests.get(f"{endpoint}discovery.{fmt}", timeout=10).status_code == 200
    discovery = ET.fromstring(requests.get(f"{endpoint}discovery.xml", timeout=10).content)
    advertised = discovery.find("endpoints").find("endpoint").findtext("url")
    # The advertised URL names the council's public site; the test server stands in for it.
    url = endpoint.rstrip("/") + "/" if urlsplit(advertised).path == "/open311/v2/" else None
    assert url is not None, advertised
    listed = requests.get(f"{url}/services.xml?jurisdiction_id=riverbend", timeout=10)
    assert listed.status_code == 200
    first = ET.fromstring(listed.content).find("service")
    for service in ET.fromstring(listed.content).iter("service"):
        if service.findtext("metadata") == "true":
            code = service.findtext("service_code")
            definition = requests.get(
                f"{url}/services/{code}.xml?jurisdiction_id=riverbend", timeout=10
            )
            assert definition.status_code == 200, definition.text
    data = {
        "api_key": key,
        "jurisdiction_id": "riverbend",
        "service_code": first.findtext("service_code"),
        "address_string": "Outside 4 Mill Lane",
        "email": "foo@bar.com",
        "description": "I know",
    }
    as_xml = requests.post(f"{url}/requests.xml", data=data, timeout=10)
    assert as_xml.status_code == 201, as_xml.text
    assert ET.fromstring(as_xml.content).find("request").findtext("service_request_id")
    as_json = requests.post(f"{url}/requests.json", data=data, timeout=10)
    assert as_json.status_code == 201 and as_json.json()[0]["service_request_id"]
    assert Case.objects.filter(service__code="graffiti").count() == 2


def _encode_uri(value):
    """JavaScript's encodeURI, which node-open311 applies to each value."""
    return quote(value, safe=";,/?:@&=+$-_.!~*'()#")


def test_node_open311(endpoint, services, key):
    """lib/open311.js ``postSericeRequest``: POST to ``requests/json`` with every
    parameter in the query string and nothing in the body; ``getServiceRequestList`` and
    ``getServiceDefinition`` read with jurisdiction_id in the query string."""
    parameters = {
        "service_code": "bulky",
        "lat": "52.4862",
        "long": "-1.8904",
        "email": "sam@example.com",
        "description": "Two fridges on the pavement",
        "attribute[size]": "large",
        "attribute[what]": "fridge",
    }
    path = f"{endpoint}requests/json?api_key={key}&jurisdiction_id=riverbend"
    path += "".join(f"&{name}={_encode_uri(value)}" for name, value in parameters.items())
    created = requests.post(
        path, headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10
    )
    assert created.status_code == 201, created.text
    reference = created.json()[0]["service_request_id"]
    assert Case.objects.get(reference=reference).answers == {"size": "large", "what": ["fridge"]}
    listed = requests.get(f"{endpoint}requests/json?jurisdiction_id=riverbend", timeout=10)
    assert reference in [r["service_request_id"] for r in listed.json()]
    definition = requests.get(
        f"{endpoint}services/bulky.json?jurisdiction_id=riverbend", timeout=10
    )
    assert definition.json()["service_code"] == "bulky"


def test_open311_python(endpoint, services, key):
    """open311/open311.py: ``post_service_request`` posts a urlencoded body to
    ``endpoint + '/requests.xml'``; ``service_definition`` asks for ``service/{code}.xml``,
    which does not exist and is answered in the specification's error format."""
    body = urlencode(
        {
            "api_key": key,
            "jurisdiction_id": "riverbend",
            "service_code": "bulky",
            "lat": "52.4862",
            "long": "-1.8904",
            "phone": "07700 900123",
            "description": "Mattress in the alley",
            "attribute[size]": "small",
            "attribute[what][]": "bags",
        }
    )
    created = requests.post(
        endpoint + "/requests.xml",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    assert xmltodict.parse(created.content)["service_requests"]["request"]["service_request_id"]
    missing = requests.get(f"{endpoint}service/bulky.xml?jurisdiction_id=riverbend", timeout=10)
    assert missing.status_code == 404
    error = ET.fromstring(missing.content).find("error")
    assert error.findtext("code") == "404" and "service/bulky" in error.findtext("description")


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("nothing-here", "xml"),
        ("nothing-here.json", "json"),
        ("nothing-here.xml", "xml"),
        ("requests/RVB-NOPE", "xml"),
        ("v3/services.json", "json"),
    ],
)
def test_every_path_answers_in_the_specifications_format(endpoint, council, path, kind):
    response = requests.get(endpoint + path, timeout=10)
    assert response.status_code == 404
    if kind == "json":
        assert response.json()[0]["code"] == 404
    else:
        assert ET.fromstring(response.content).find("error").findtext("code") == "404"


def test_methods_not_taken_answer_in_the_specifications_format(endpoint, council):
    response = requests.delete(endpoint + "requests.json", timeout=10)
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert "DELETE is not allowed" in response.json()[0]["description"]
    post_to_get = requests.post(endpoint + "services.xml", data={"a": "b"}, timeout=10)
    assert post_to_get.status_code == 405
    assert ET.fromstring(post_to_get.content).find("error").findtext("code") == "405"


def test_keys_in_the_query_string_on_post(endpoint, services, key):
    """jurisdiction_id and api_key in the query string, the rest in the body."""
    body = fixmystreet_request_params()
    response = requests.post(
        f"{endpoint}requests.json?jurisdiction_id=riverbend&api_key={key}", data=body, timeout=10
    )
    assert response.status_code == 201, response.text


def test_discovery_changeset_follows_the_catalogue(endpoint, services, council):
    from onecouncil.core.models import Council

    an_hour_ago = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    Council.objects.filter(pk=council.pk).update(catalogue_changed_at=an_hour_ago)
    before = requests.get(f"{endpoint}discovery.json", timeout=10).json()["changeset"]
    services.name = "Report dumped rubbish"
    services.save()
    catalogue_changed(council_id=services.council_id)  # as the admin and the import do
    after = requests.get(f"{endpoint}discovery.json", timeout=10).json()
    assert after["changeset"] > before
    assert after["endpoints"][0]["changeset"] == after["changeset"]


def test_fixmystreet_address_from_a_second_address(endpoint, services, key, council):
    """A UPRN the gazetteer knows, sent as ``attribute[uprn]`` with no coordinates,
    places the request at that address."""
    home = AddressFactory(council=council, uprn=100023336957, line1="6 Mill Lane")
    params = fixmystreet_request_params(**{"attribute[uprn]": "100023336957"})
    del params["lat"], params["long"]
    response = fixmystreet_post(endpoint, "requests.xml", key, params)
    assert response.status_code == 201, response.text
    assert Case.objects.get().address == home


def test_fixmystreet_sends_the_asset_its_layer_chose(endpoint, services, key, council):
    """FixMyStreet's asset layers put the council's identifier in an attribute
    (``asset_id``; some cobrands ``central_asset_id``): the request records the asset,
    and the list gives it back. One the register does not know is kept for staff."""
    from onecouncil.assets.models import Asset, AssetType

    lights = AssetType.objects.create(council=council, code="street-light", name="Street light")
    light = Asset.objects.create(
        council=council,
        asset_type=lights,
        identifier="RB-SL-0042",
        latitude=52.4863,
        longitude=-1.8904,
    )
    for name, identifier in (("asset_id", "RB-SL-0042"), ("central_asset_id", "rb-sl-0042")):
        params = fixmystreet_request_params(**{f"attribute[{name}]": identifier})
        response = fixmystreet_post(endpoint, "requests.xml", key, params)
        assert response.status_code == 201, response.text
        reference = simple(response)["request"][0].findtext("service_request_id")
        assert Case.objects.get(reference=reference).asset == light
    listed = requests.get(
        f"{endpoint}requests.json", params={"service_request_id": reference}, timeout=10
    )
    assert listed.json()[0]["asset_id"] == "RB-SL-0042"
    params = fixmystreet_request_params(**{"attribute[asset_id]": "NOT-OURS-7"})
    response = fixmystreet_post(endpoint, "requests.xml", key, params)
    assert response.status_code == 201, response.text
    case = Case.objects.get(reference=simple(response)["request"][0].findtext("service_request_id"))
    assert case.asset is None and case.latitude is not None
    assert any("asset_id: NOT-OURS-7" in e.message for e in case.events.filter(kind=EventKind.NOTE))
