"""Fuzz the REST API from its own OpenAPI document with schemathesis: no 5xx response,
and no response that breaks its schema."""

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from onecouncil.api.keys import api_key_issue
from onecouncil.api.models import KeyKind
from onecouncil.config.wsgi import application
from tests.factories import make_case

pytestmark = pytest.mark.fuzz

# The committed document (checked to match the code in test_rest.py), called in-process.
schema = schemathesis.openapi.from_path(
    Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
)
schema.app = application


@pytest.fixture
def auth(council, missed_bin):
    for _ in range(3):
        make_case(missed_bin, answers={"which_bin": "general", "out_by_7am": "yes"})
    key = api_key_issue(
        council=council,
        name="Fuzzer",
        kind=KeyKind.REST,
        role="administrator",
        rate_limit_per_minute=100_000,
    ).key
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_rest_api_fuzz(case, auth):
    # No server error, every status documented, every body true to its schema. (A
    # well-formed but unknown cursor is rightly refused with 400, so the check that every
    # schema-valid request must succeed does not apply.)
    # The in-process (WSGI) client does not undo gzip, as an HTTP client would; compression
    # is tested in tests/api/test_api_edge.py.
    case.call_and_validate(
        headers={**auth, "Accept-Encoding": "identity"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
