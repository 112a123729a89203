"""The sensors dashboard: devices, their health and their requests in the analytics store,
limited by the reader's scope; and sensor-raised requests counted apart on the public
performance page."""

from __future__ import annotations

import datetime as dt
import json
import re

from django.utils import timezone

from onecouncil.core.models import Role, Team
from onecouncil.insight.access import Scope, public_scope
from onecouncil.insight.figures import (
    Dashboard,
    Filters,
    performance_by_month,
    performance_by_service,
)
from onecouncil.insight.services import dashboard_for, report
from onecouncil.insight.store import refresh
from onecouncil.residents.models import Ward
from onecouncil.sensors.ingest import reading_take
from onecouncil.sensors.kinds import DeviceKind
from onecouncil.sensors.models import Device
from tests.backoffice_helpers import staff
from tests.factories import make_case
from tests.sensors.conftest import reading

TODAY = dt.date.today()
PERIOD = Filters(start=TODAY - dt.timedelta(days=30), end=TODAY + dt.timedelta(days=1))


def full_bin(council):
    """Readings held above the threshold for longer than the rule's hold: one request."""
    for minutes_ago in (45, 30, 14):
        taken = reading_take(
            council=council,
            identifier="bin-sensor-1",
            payload=reading(minutes_ago, fillingLevel=0.9, batteryLevel=0.1),
        )
    return taken.references


def sensors_tables(council, scope):
    found = report(council=council, scope=scope, dashboard=dashboard_for("sensors"), filters=PERIOD)
    return {t.id: t for t in found.tables}


def test_the_dashboard_shows_each_device_its_health_and_its_requests(council, bins):
    quiet = Device.objects.create(
        council=council,
        identifier="bin-sensor-2",
        kind=DeviceKind.WASTE_CONTAINER,
        asset=bins["asset"],
        expected_interval_minutes=15,
        last_seen_at=timezone.now() - dt.timedelta(hours=2),
    )
    assert len(full_bin(council)) == 1
    refresh(full=True, refit=False)
    tables = sensors_tables(council, Scope(council_id=council.pk))

    devices = tables["sensor-devices"]
    assert [row[:2] for row in devices.rows] == [
        ["Alarm raised", "bin-sensor-1"],  # the worst first
        ["Silent", quiet.identifier],
    ]
    first = devices.rows[0]
    assert first[2] == "Litter or waste bin sensor" and first[3].startswith("Litter bin RB-LB-1")
    assert first[6] == 10 and first[7] == "fillingLevel 0.9"  # battery (%), latest reading
    assert "1 with an alarm raised, 1 silent" in devices.summary
    assert {p["state"] for p in devices.points} == {"alarm", "silent"}
    assert devices.points[0]["asset"] == "RB-LB-1"

    (health,) = tables["sensor-health"].rows
    assert health[:5] == ["Litter or waste bin sensor", 2, 1, 1, 3]

    by_week = tables["sensor-requests-by-week"]
    assert sum(by_week.column("sensors")) == 1 and sum(by_week.column("people")) == 0


def test_each_reader_sees_the_devices_of_their_scope(council, bins):
    full_bin(council)
    refresh(full=True, refit=False)
    service_id = bins["service"].pk
    team = Team.objects.create(council=council, name="Parks")
    Ward.objects.create(council=council, code="E05000001", name="Mill Ward")
    seen = {
        "services": Scope(council_id=council.pk, service_ids=frozenset({service_id})),
        "other services": Scope(council_id=council.pk, service_ids=frozenset({service_id + 99})),
        "no team": Scope(council_id=council.pk, team_ids=frozenset({team.pk})),
        "another ward": Scope(council_id=council.pk, ward_codes=frozenset({"E05000001"})),
    }
    counts = {
        name: len(sensors_tables(council, scope)["sensor-devices"].rows)
        for name, scope in seen.items()
    }
    assert counts == {"services": 1, "other services": 0, "no team": 0, "another ward": 0}
    bins["asset"].team = team
    bins["asset"].save()
    refresh(full=True, refit=False)
    assert len(sensors_tables(council, seen["no team"])["sensor-devices"].rows) == 1


def test_the_dashboard_page_puts_the_devices_on_a_map(client, council, bins):
    full_bin(council)
    refresh(full=True, refit=False)
    client.force_login(staff(council, Role.ADMINISTRATOR))
    page = client.get(f"/{council.slug}/staff/insight/sensors/")
    assert page.status_code == 200
    text = page.content.decode()
    points = re.search(
        r'<script id="sensor-devices-points" type="application/json">(.*?)</script>', text
    )
    assert points, "the devices' places for the map"
    (feature,) = json.loads(points.group(1))["features"]
    assert feature["properties"]["url"] == f"/{council.slug}/staff/assets/RB-LB-1/"
    assert feature["properties"]["state"] == "alarm"
    assert 'data-reports="sensor-devices-points"' in text and "leaflet" in text
    assert "Alarm raised" in text and "fillingLevel 0.9" in text


def test_the_performance_page_counts_sensor_raised_requests_apart(council, bins, missed_bin):
    full_bin(council)
    make_case(missed_bin, answers={"which_bin": "general", "out_by_7am": "yes"})
    refresh(full=True, refit=False)
    performance = Dashboard("performance", "", (performance_by_month, performance_by_service))
    found = report(
        council=council, scope=public_scope(council.pk, 1), dashboard=performance, filters=PERIOD
    )
    tables = {t.id: t for t in found.tables}
    by_service = {row[0]: row for row in tables["performance-by-service"].rows}
    # Requests, raised by sensors, made by people, made online (of those made by people).
    assert by_service[bins["service"].name][1:5] == [1, 1, 0, None]
    assert by_service[missed_bin.name][1:5] == [1, 0, 1, 100.0]
    (month,) = [row for row in tables["performance-by-month"].rows if row[1]]
    assert month[1:3] == [2, 1]
