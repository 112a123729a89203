"""Staff maps: the queue on a map with the list's filters, an officer's requests nearest
first, councillors' pins snapped to the street, and their ward alerts."""

import json

from onecouncil.alerts.models import AreaAlert
from onecouncil.cases.inputs import Location
from onecouncil.cases.models import Case
from onecouncil.core.models import Membership, Role
from onecouncil.places.imports import boundaries_import, streets_import
from tests.factories import ServiceFactory, WardFactory, make_case
from tests.places.test_boundaries import CHATHAM, MEDWAY

LAT, LON = CHATHAM


def _staff(client, django_user_model, council, role, **extra):
    user = django_user_model.objects.create_user(
        f"{role}-user", email=f"{role}@example.com", password="pw-12345678"
    )
    membership = Membership.objects.create(user=user, council=council, role=role, **extra)
    client.force_login(user)
    return membership


def _case(service, lat, lon, **kwargs):
    return make_case(
        service,
        location=Location(
            latitude=lat, longitude=lon, street="High Street", description="By the kerb"
        ),
        **kwargs,
    ).case


def _points(page):
    start = page.index('id="queue-points" type="application/json">') + len(
        'id="queue-points" type="application/json">'
    )
    return json.loads(page[start : page.index("</script>", start)])["features"]


def test_the_queue_map_has_the_lists_filters_and_exact_points_for_officers(
    client, council, django_user_model
):
    boundaries_import(council=council, wards=MEDWAY)
    pothole = ServiceFactory(council=council, code="pothole", name="Report a pothole")
    graffiti = ServiceFactory(council=council, code="graffiti", name="Graffiti")
    one = _case(pothole, LAT, LON)
    two = _case(graffiti, LAT + 0.001, LON)
    make_case(pothole)  # no point: counted, not drawn
    _staff(client, django_user_model, council, Role.CASE_OFFICER)
    page = client.get("/riverbend/staff/queue/map/").text
    coordinates = {tuple(f["geometry"]["coordinates"]) for f in _points(page)}
    assert coordinates == {(one.longitude, one.latitude), (two.longitude, two.latitude)}
    assert "1 other has no place on the map" in page and "See these as a list" in page
    filtered = client.get("/riverbend/staff/queue/map/", {"service": str(pothole.pk)}).text
    assert [f["properties"]["url"] for f in _points(filtered)] == [
        f"/riverbend/staff/cases/{one.reference}/"
    ]
    assert "See these on a map" in client.get("/riverbend/staff/queue/").text


def test_a_councillors_pins_are_snapped_to_the_street(client, council, django_user_model):
    boundaries_import(council=council, wards=MEDWAY)
    streets_import(
        council=council,
        streets=json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "High Street"},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[LON - 0.002, LAT], [LON + 0.002, LAT]],
                        },
                    }
                ],
            }
        ),
    )
    pothole = ServiceFactory(council=council, code="pothole", name="Report a pothole")
    case = _case(pothole, LAT + 0.0003, LON + 0.0011)
    ward = Case.objects.get(pk=case.pk).ward
    _staff(client, django_user_model, council, Role.COUNCILLOR, ward_codes=[ward.code])
    page = client.get("/riverbend/staff/queue/map/").text
    [point] = _points(page)
    # The middle of High Street, not the pin.
    assert point["geometry"]["coordinates"] == [LON, LAT]
    assert "shown in the middle of their street" in page
    Case.objects.filter(pk=case.pk).update(councillor_consent=True)
    [exact] = _points(client.get("/riverbend/staff/queue/map/").text)
    assert exact["geometry"]["coordinates"] == [case.longitude, case.latitude]


def test_an_officers_requests_nearest_first_on_a_map(client, council, django_user_model):
    boundaries_import(council=council, wards=MEDWAY)
    pothole = ServiceFactory(council=council, code="pothole", name="Report a pothole")
    member = _staff(client, django_user_model, council, Role.CASE_OFFICER)
    far = _case(pothole, LAT + 0.01, LON)
    near = _case(pothole, LAT + 0.001, LON)
    Case.objects.update(assignee=member.user)
    page = client.get("/riverbend/staff/mine/", {"lat": str(LAT), "lon": str(LON)}).text
    assert page.index(near.reference) < page.index(far.reference)
    assert 'id="mine-points"' in page and "metres away" in page
    bad = client.get("/riverbend/staff/mine/", {"lat": "nan", "lon": "1"}).text
    assert "Enter a postcode" in bad
    nul = client.get("/riverbend/staff/mine/", {"postcode": "RB1\x00"})
    assert nul.status_code == 200 and "Enter a postcode" in nul.text


def test_councillors_turn_their_ward_alerts_on_and_off(client, council, django_user_model):
    WardFactory(council=council, code="E05000001", name="River")
    member = _staff(client, django_user_model, council, Role.COUNCILLOR, ward_codes=["E05000001"])
    assert "You do not get these alerts" in client.get("/riverbend/staff/alerts/").text
    client.post("/riverbend/staff/alerts/", {"alerts": "on"})
    assert AreaAlert.objects.active().get().membership == member
    assert (
        "You get these alerts at councillor@example.com"
        in client.get("/riverbend/staff/alerts/").text
    )
    client.post("/riverbend/staff/alerts/", {"alerts": "off"})
    assert not AreaAlert.objects.active().exists()
    member.role = Role.CASE_OFFICER
    member.save()
    assert client.get("/riverbend/staff/alerts/").status_code == 302
