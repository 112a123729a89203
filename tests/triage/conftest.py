"""Fixtures for the free-text triage tests."""

from __future__ import annotations

import pytest

from tests.factories import ServiceFactory, TeamFactory


@pytest.fixture
def services(council, missed_bin):
    roads = TeamFactory(council=council, name="Highways")
    found = {
        "missed-bin": missed_bin,
        "pothole": ServiceFactory(
            council=council,
            code="pothole",
            name="Report a pothole",
            description="A hole or crack in a road or pavement.",
            team=roads,
        ),
        "street-light": ServiceFactory(
            council=council,
            code="street-light",
            name="Report a street light fault",
            description="A street lamp that is out, flickering or on during the day.",
        ),
        "fly-tipping": ServiceFactory(
            council=council,
            code="fly-tipping",
            name="Report fly-tipping",
            description="Rubbish dumped illegally on the street or on land.",
        ),
    }
    return found
