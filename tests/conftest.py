from __future__ import annotations

import pytest

from tests.factories import AddressFactory, CouncilFactory, QuestionFactory, ServiceFactory


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def council(db):
    return CouncilFactory(
        slug="riverbend",
        name="Riverbend Borough Council",
        reference_prefix="RVB",
        logo_text="Riverbend Council",
        public_base_url="http://testserver/riverbend",
    )


@pytest.fixture
def other_council(db):
    return CouncilFactory(
        slug="northfield",
        name="Northfield District Council",
        reference_prefix="NFD",
        public_base_url="http://testserver/northfield",
    )


@pytest.fixture
def missed_bin(council):
    """A missed-bin service with the questions a council would ask."""
    service = ServiceFactory(
        council=council, code="missed-bin", name="Report a missed bin collection"
    )
    QuestionFactory(
        service=service,
        code="which_bin",
        label="Which bin was missed?",
        kind="one_of",
        order=1,
        options=[
            {"value": "general", "label": "General waste"},
            {"value": "recycling", "label": "Recycling"},
        ],
    )
    QuestionFactory(
        service=service, code="out_by_7am", label="Was the bin out by 7am?", kind="yes_no", order=2
    )
    return service


@pytest.fixture
def address(council):
    return AddressFactory(
        council=council,
        uprn=100023336956,
        line1="4 Mill Lane",
        street="Mill Lane",
        postcode="RB1 2AB",
    )
