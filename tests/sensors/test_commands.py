"""The devices list, the broker's files, and the simulator."""

from __future__ import annotations

import datetime as dt
import json

from django.core.management import call_command

from onecouncil.demo.sensors import demo_backfill
from onecouncil.sensors.models import Device, Reading


def test_devices_lists_topics_kinds_and_rules(council, bins, capsys):
    call_command("devices", "--council", "riverbend", "--json")
    listed = json.loads(capsys.readouterr().out)
    assert listed == [
        {
            "identifier": "bin-sensor-1",
            "kind": "WasteContainer",
            "topic": "onecouncil/riverbend/devices/bin-sensor-1/readings",
            "https": "/api/v1/devices/bin-sensor-1/readings",
            "asset": "RB-LB-1",
            "expected_interval_minutes": 15,
            "last_seen_at": None,
            "battery_level": None,
            "has_credentials": True,
            "active": True,
            "rules": ["Bin full"],
        }
    ]


def test_the_brokers_files_hold_hashes_and_one_topic_per_device(council, bins, tmp_path, settings):
    settings.SENSOR_MQTT_URL = "mqtt://onecouncil:s3cret@127.0.0.1:1883"
    call_command("devices", "--mosquitto", str(tmp_path))
    passwd = (tmp_path / "passwd").read_text()
    acl = (tmp_path / "acl").read_text()
    assert "riverbend/devices/bin-sensor-1:$7$101$" in passwd and "onecouncil:$7$" in passwd
    assert bins["secret"] not in passwd and "s3cret" not in passwd
    mine = "user riverbend/devices/bin-sensor-1\ntopic write onecouncil/riverbend/devices/"
    assert mine + "bin-sensor-1/readings\n" in acl
    assert "user onecouncil\ntopic read onecouncil/+/devices/+/readings" in acl
    assert oct((tmp_path / "passwd").stat().st_mode)[-3:] == "600"


def test_the_simulator_backfills_realistic_readings(council, bins, capsys):
    call_command("simulate_sensors", "--council", "riverbend", "--hours", "6")
    assert "'stored': 25" in capsys.readouterr().out  # every 15 minutes, both ends included
    levels = [r.values["fillingLevel"] for r in Reading.objects.order_by("observed_at")]
    assert all(0 <= level <= 1 for level in levels)


def test_no_hours_of_backfill_take_in_no_reading(council, bins):
    # On the hour every device is due, and both ends of a range are included; the browser
    # tests load the demo with no hours and count the requests they make themselves.
    on_the_hour = dt.datetime(2026, 12, 7, 19, 0, tzinfo=dt.UTC)
    counts = demo_backfill(council, list(Device.objects.all()), 0, on_the_hour)
    assert counts["requests"] == 0 and not Reading.objects.exists()
    demo_backfill(council, list(Device.objects.all()), 1, on_the_hour)
    assert Reading.objects.count() == 5


def test_the_simulation_keeps_to_quarter_hours_from_any_start(council, bins):
    from onecouncil.demo.sensors import simulated

    start = dt.datetime(2026, 12, 7, 19, 7, 30, tzinfo=dt.UTC)
    moments = [
        item.observed_at
        for item in simulated([bins["device"]], start, start + dt.timedelta(minutes=31))
    ]
    assert [f"{m:%H:%M}" for m in moments] == ["19:15", "19:30"]
