import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from onecouncil.catalogue.exchange import CatalogueImportError, catalogue_export, catalogue_import
from onecouncil.catalogue.models import Question, Service, ServiceGroup
from onecouncil.catalogue.open311 import service_definition, service_summary

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "open311"
DEMO = Path(__file__).resolve().parents[2] / "src" / "onecouncil" / "demo" / "data"


def test_demo_catalogue_imports_and_round_trips(council, other_council):
    text = (DEMO / "riverbend.yaml").read_text()
    result = catalogue_import(council=council, text=text)
    assert len(result.services_created) >= 20
    assert ServiceGroup.objects.filter(council=council).count() >= 5
    exported = catalogue_export(council=council)
    # Importing the export into another council gives the same catalogue.
    catalogue_import(council=other_council, text=exported)
    assert catalogue_export(council=other_council) == exported
    pothole = Service.objects.get(council=other_council, code="pothole")
    assert pothole.urgent_notice.startswith("If the pothole is dangerous")
    assert pothole.team is not None and pothole.team.council == other_council


def test_import_is_all_or_nothing_and_lists_every_problem(council):
    document = {
        "groups": [{"slug": "bins", "name": "Bins"}],
        "services": [
            {
                "code": "ok",
                "name": "Fine",
                "group": "bins",
                "pattern": "report",
                "description": "A fine service",
                "questions": [],
            },
            {
                "code": "bad-pattern",
                "name": "Bad",
                "group": "bins",
                "pattern": "wish",
                "description": "x",
            },
            {
                "code": "bad-group",
                "name": "Bad",
                "group": "nowhere",
                "pattern": "report",
                "description": "x",
            },
            {
                "code": "bad-question",
                "name": "Bad",
                "group": "bins",
                "pattern": "report",
                "description": "x",
                "questions": [{"code": "q", "label": "Which?", "kind": "one_of", "options": []}],
            },
        ],
    }
    with pytest.raises(CatalogueImportError) as excinfo:
        catalogue_import(council=council, text=yaml.safe_dump(document))
    text = "\n".join(excinfo.value.errors)
    assert "services[1].pattern" in text
    assert "services[2].group" in text
    assert "services[3].questions[0].options" in text
    assert not Service.objects.filter(council=council).exists()
    assert not ServiceGroup.objects.filter(council=council).exists()


def test_invalid_yaml_is_explained(council):
    with pytest.raises(CatalogueImportError) as excinfo:
        catalogue_import(council=council, text="services: [")
    assert "not valid YAML" in excinfo.value.errors[0]


def test_open311_definitions_validate_against_the_published_schemas(council):
    catalogue_import(council=council, text=(DEMO / "riverbend.yaml").read_text())
    definition_schema = json.loads((SCHEMAS / "service-definition.json").read_text())
    service_schema = json.loads((SCHEMAS / "service.json").read_text())
    for service in Service.objects.filter(council=council).prefetch_related("questions"):
        jsonschema.validate(service_summary(service), service_schema)
        definition = service_definition(service)
        jsonschema.validate(definition, definition_schema)
        questions = list(service.questions.all())
        asked = [a["code"] for a in definition["attributes"] if a["variable"]]
        assert asked == [q.code for q in questions]
        # The one contact rule, told as a notice, for services that are not anonymous; and
        # that a private service's requests are read back only by the client that sent them.
        notices = [a["code"] for a in definition["attributes"] if not a["variable"]]
        assert notices == ([] if service.anonymous_allowed else ["contact_needed"]) + (
            [] if service.is_public else ["private_service"]
        )


def test_open311_definition_keeps_types_requiredness_and_values(missed_bin):
    attributes = service_definition(missed_bin)["attributes"]
    which, out, *_notices = attributes
    assert which["datatype"] == "singlevaluelist"
    assert which["values"] == [
        {"key": "general", "name": "General waste"},
        {"key": "recycling", "name": "Recycling"},
    ]
    assert which["required"] is True and which["order"] == 1
    assert out["datatype"] == "singlevaluelist"
    assert [v["key"] for v in out["values"]] == ["yes", "no"]
    assert Question.objects.filter(service=missed_bin).count() == 2


def test_where_requests_are_sent_travels_with_the_catalogue_but_not_the_key(council, other_council):
    from onecouncil.catalogue.models import Backend

    catalogue_import(council=council, text=(DEMO / "riverbend.yaml").read_text())
    backend = Backend.objects.create(
        council=council,
        name="Highways asset system",
        base_url="https://assets.example.gov.uk/open311/v2/",
        jurisdiction_id="riverbend-highways",
        api_key="secret-key-123",
    )
    Service.objects.filter(council=council, code="pothole").update(
        sent_to=backend, sent_to_code="DEFECT", sent_to_attributes={"size": "defect_size"}
    )
    exported = catalogue_export(council=council)
    assert "secret-key-123" not in exported
    document = yaml.safe_load(exported)
    assert document["sent_to"][0]["base_url"] == backend.base_url
    catalogue_import(council=other_council, text=exported)
    theirs = Service.objects.get(council=other_council, code="pothole")
    assert theirs.sent_to.name == "Highways asset system" and theirs.sent_to.api_key == ""
    assert theirs.sent_to.council == other_council
    assert theirs.sent_to_code == "DEFECT" and theirs.sent_to_attributes == {"size": "defect_size"}
    # A service naming a system the file does not list is an error naming the place.
    broken = exported.replace("sent_to: Highways asset system", "sent_to: Nowhere")
    with pytest.raises(CatalogueImportError) as error:
        catalogue_import(council=other_council, text=broken)
    assert any("Nowhere" in e for e in error.value.errors)
