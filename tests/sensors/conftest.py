"""A council with litter bins that report how full they are, the service that asks
which bin, and the rules administrators would set."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from onecouncil.assets.models import Asset, AssetType
from onecouncil.sensors.ingest import device_credentials_issue
from onecouncil.sensors.kinds import DeviceKind
from onecouncil.sensors.models import Condition, Device, Rule
from onecouncil.sensors.rules import forget_rules
from tests.factories import QuestionFactory, ServiceFactory


@pytest.fixture(autouse=True)
def _fresh_rules():
    forget_rules()
    yield
    forget_rules()


@pytest.fixture
def bins(council):
    kind = AssetType.objects.create(council=council, code="litter-bin", name="Litter bin")
    service = ServiceFactory(
        council=council,
        code="litter-bin",
        name="Report a full litter bin",
        asset_type="litter-bin",
        anonymous_allowed=False,
        location_required=True,
    )
    QuestionFactory(
        service=service,
        code="problem",
        label="What is wrong?",
        kind="one_of",
        options=[{"value": "full", "label": "Full"}, {"value": "damaged", "label": "Damaged"}],
    )
    litter_bin = Asset.objects.create(
        council=council, asset_type=kind, identifier="RB-LB-1", latitude=52.48, longitude=-1.89
    )
    device = Device.objects.create(
        council=council,
        identifier="bin-sensor-1",
        kind=DeviceKind.WASTE_CONTAINER,
        asset=litter_bin,
        expected_interval_minutes=15,
    )
    secret = device_credentials_issue(device)
    full = Rule.objects.create(
        council=council,
        name="Bin full",
        kind=DeviceKind.WASTE_CONTAINER,
        condition=Condition.ABOVE,
        property="fillingLevel",
        threshold=0.8,
        clear_at=0.5,
        hold_minutes=30,
        answers={"problem": "full"},
    )
    return {
        "service": service,
        "asset": litter_bin,
        "device": device,
        "secret": secret,
        "rule": full,
    }


def reading(minutes_ago=0.0, **values):
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    return json.dumps({"observedAt": at.isoformat(), **values}).encode()
