"""Rules: a threshold held for a duration with hysteresis, a fault status, silence; one
open request per asset and rule; clearing; a resident and a sensor on one request."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import Case, CaseEvent, Channel, EventKind
from onecouncil.sensors.ingest import reading_take
from onecouncil.sensors.kinds import DeviceKind
from onecouncil.sensors.models import Condition, Device, Rejection, Rule, RuleState
from onecouncil.sensors.rules import silence_job
from tests.factories import make_case
from tests.sensors.conftest import reading


def take(council, minutes_ago, identifier="bin-sensor-1", **values):
    return reading_take(
        council=council, identifier=identifier, payload=reading(minutes_ago, **values)
    )


def notes(case):
    return [e.message for e in CaseEvent.objects.filter(case=case, kind=EventKind.NOTE)]


def test_a_bin_full_for_half_an_hour_raises_one_request(council, bins):
    assert take(council, 60, fillingLevel=0.85).references == ()
    assert take(council, 40, fillingLevel=0.9).references == ()  # held 20 minutes
    raised = take(council, 29, fillingLevel=0.92)  # held 31 minutes
    assert len(raised.references) == 1
    case = Case.objects.get()
    assert case.channel == Channel.SENSOR and case.channel_detail == "bin-sensor-1"
    assert case.service == bins["service"] and case.asset == bins["asset"]
    assert (case.latitude, case.longitude) == (52.48, -1.89)
    assert case.answers == {"problem": "full"}
    assert "Bin full: sensor bin-sensor-1 reports fillingLevel is 0.92" in case.description
    assert not case.contact_email and not case.contact_name
    for minutes_ago in (20, 10, 5):
        take(council, minutes_ago, fillingLevel=0.95)
    assert Case.objects.count() == 1  # at most one open request per asset and rule


def test_a_dip_resets_the_hold_and_hysteresis_keeps_it_firing(council, bins):
    take(council, 90, fillingLevel=0.85)
    take(council, 70, fillingLevel=0.7)  # below the threshold: the hold starts again
    take(council, 50, fillingLevel=0.85)
    assert not Case.objects.exists()
    take(council, 15, fillingLevel=0.9)  # held 35 minutes since the dip
    case = Case.objects.get()
    take(council, 10, fillingLevel=0.6)  # under 0.8 but above 0.5: still full
    assert RuleState.objects.get().firing and not any("cleared" in n for n in notes(case))
    take(council, 5, fillingLevel=0.3)  # emptied
    state = RuleState.objects.get()
    assert not state.firing
    assert any("Bin full has cleared: fillingLevel is 0.3" in n for n in notes(case))
    case.refresh_from_db()
    assert case.is_open  # the rule does not close it unless the council says so


def test_clearing_closes_it_where_the_council_chooses(council, bins):
    Rule.objects.filter(pk=bins["rule"].pk).update(close_when_clear=True, hold_minutes=0)
    take(council, 10, fillingLevel=0.9)
    take(council, 5, fillingLevel=0.1)
    case = Case.objects.get()
    assert case.status == "fixed"


def test_firing_again_while_the_request_is_open_adds_to_it(council, bins):
    Rule.objects.filter(pk=bins["rule"].pk).update(hold_minutes=0)
    take(council, 30, fillingLevel=0.9)
    take(council, 20, fillingLevel=0.2)
    take(council, 10, fillingLevel=0.95)
    case = Case.objects.get()
    assert sum("reports fillingLevel is 0.95" in n for n in notes(case)) == 1


def test_a_residents_report_and_the_sensor_share_one_request(council, bins):
    resident = make_case(
        bins["service"],
        answers={"problem": "full"},
        location=Location(latitude=52.48, longitude=-1.89, asset=bins["asset"]),
        contact=Contact(name="Sam", email="sam@example.com"),
    ).case
    Rule.objects.filter(pk=bins["rule"].pk).update(hold_minutes=0)
    raised = take(council, 5, fillingLevel=0.9)
    assert raised.references == (resident.reference,)
    assert Case.objects.count() == 1
    assert any("sensor bin-sensor-1 reports" in n for n in notes(resident))


def test_a_fault_status_rule(council, bins):
    light_service = bins["service"]  # any service: the rule names it
    device = Device.objects.create(
        council=council, identifier="light-7", kind=DeviceKind.STREETLIGHT, asset=bins["asset"]
    )
    Rule.objects.create(
        council=council,
        name="Lamp fault",
        kind=DeviceKind.STREETLIGHT,
        condition=Condition.ONE_OF,
        property="status",
        words="defectiveLamp, brokenLantern",
        service=light_service,
        answers={"problem": "damaged"},
    )
    reading_take(council=council, identifier="light-7", payload=reading(3, status="ok"))
    assert not Case.objects.exists()
    taken = reading_take(
        council=council, identifier="light-7", payload=reading(2, status="defectiveLamp")
    )
    case = Case.objects.get(reference=taken.references[0])
    assert case.asset == bins["asset"] and "status is defectiveLamp" in case.description
    assert device.rule_states.get().firing


def test_silence_raises_and_a_new_reading_clears(council, bins):
    Rule.objects.create(
        council=council,
        name="Sensor silent",
        kind=DeviceKind.WASTE_CONTAINER,
        condition=Condition.SILENT,
        answers={"problem": "damaged"},
    )
    take(council, 20, fillingLevel=0.2)
    assert silence_job() == 0  # 20 minutes: not yet twice its 15
    Device.objects.filter(pk=bins["device"].pk).update(
        last_seen_at=timezone.now() - dt.timedelta(minutes=40)
    )
    assert silence_job() == 1
    assert silence_job() == 0  # once
    case = Case.objects.get()
    assert "Sensor silent" in case.description and "nothing since" in case.description
    take(council, 0, fillingLevel=0.2)
    assert any("Sensor silent has cleared" in n for n in notes(case))


def test_a_rule_that_cannot_raise_its_request_is_counted(council, bins):
    Rule.objects.filter(pk=bins["rule"].pk).update(hold_minutes=0, answers={"problem": "purple"})
    take(council, 5, fillingLevel=0.9)
    assert not Case.objects.exists()
    refused = Rejection.objects.get(reason="rule_failed")
    assert refused.identifier == "bin-sensor-1" and refused.count == 1


def test_a_sensors_request_is_never_an_area_alert(council, bins):
    from onecouncil.alerts.reports import reports_for_area_alert

    Rule.objects.filter(pk=bins["rule"].pk).update(hold_minutes=0)
    take(council, 5, fillingLevel=0.9)
    resident = make_case(
        bins["service"],
        answers={"problem": "damaged"},
        location=Location(latitude=52.4801, longitude=-1.8901),
        contact=Contact(name="Sam", email="sam@example.com"),
    ).case
    Case.objects.update(created_at=timezone.now() - dt.timedelta(minutes=1))
    found = reports_for_area_alert(
        council=council,
        since=timezone.now() - dt.timedelta(hours=1),
        until=timezone.now(),
        point=(52.48, -1.89),
        radius=500,
    )
    assert [c.reference for c in found.described] == [resident.reference]


def test_staff_see_the_sensor_and_its_readings_on_the_assets_page(client, council, bins):
    from onecouncil.core.models import Role
    from tests.backoffice_helpers import staff

    take(council, 5, fillingLevel=0.42, batteryLevel=0.77)
    client.force_login(staff(council, Role.CASE_OFFICER))
    page = client.get("/riverbend/staff/assets/RB-LB-1/").text
    assert "Sensor bin-sensor-1" in page and "fillingLevel 0.42" in page and "Battery 0.77" in page
    assert "Silent" not in page
