"""An asset's page for staff, and the case page's link to it."""

from __future__ import annotations

from onecouncil.assets.models import Asset, AssetType
from onecouncil.cases.actions import case_change_status
from onecouncil.cases.inputs import Location
from onecouncil.core.actors import Actor
from onecouncil.core.models import Role
from tests.backoffice_helpers import staff
from tests.factories import ServiceFactory, make_case


def test_an_assets_page_lists_its_open_and_past_requests(client, council, other_council):
    service = ServiceFactory(council=council, code="street-light", asset_type="street-light")
    kind = AssetType.objects.create(
        council=council,
        code="street-light",
        name="Street light",
        attributes=[{"code": "lamp", "label": "Lamp", "kind": "text"}],
    )
    light = Asset.objects.create(
        council=council,
        asset_type=kind,
        identifier="RB-SL-7",
        latitude=52.48,
        longitude=-1.89,
        place_name="4 Mill Lane",
        attributes={"lamp": "LED"},
    )
    at = Location(latitude=52.48, longitude=-1.89, asset=light)
    first = make_case(service, location=at).case
    second = make_case(service, location=at).case
    officer = staff(council, Role.CASE_OFFICER)
    case_change_status(case=first, status="fixed", actor=Actor.system("Crew"))
    client.force_login(officer)
    page = client.get("/riverbend/staff/assets/RB-SL-7/").text
    assert "Near 4 Mill Lane" in page and "LED" in page
    open_part, past_part = page.split("Past requests about it")
    assert second.reference in open_part and first.reference not in open_part
    assert first.reference in past_part
    case_page = client.get(f"/riverbend/staff/cases/{second.reference}/").text
    assert 'href="/riverbend/staff/assets/RB-SL-7/"' in case_page
    assert "Street light RB-SL-7, near 4 Mill Lane" in case_page
    assert client.get("/riverbend/staff/assets/NOPE/").status_code == 404
    client.force_login(staff(other_council, Role.CASE_OFFICER, username="o@n"))
    assert client.get("/northfield/staff/assets/RB-SL-7/").status_code == 404


def test_the_staff_maps_asset_layer_links_each_asset_in_the_box(client, council, other_council):
    kind = AssetType.objects.create(council=council, code="litter-bin", name="Litter bin")
    for n in range(3):
        Asset.objects.create(
            council=council,
            asset_type=kind,
            identifier=f"RB-LB-{n}",
            latitude=52.48 + n * 0.001,
            longitude=-1.89,
        )
    theirs = AssetType.objects.create(council=other_council, code="gully", name="Gully")
    Asset.objects.create(
        council=other_council,
        asset_type=theirs,
        identifier="NF-G-1",
        latitude=52.48,
        longitude=-1.89,
    )
    url = "/riverbend/staff/assets/layer.json"
    box = "-1.9,52.47,-1.88,52.49"
    assert client.get(url, {"type": "litter-bin", "bbox": box}).status_code == 302  # sign in
    client.force_login(staff(council, Role.CASE_OFFICER))
    found = client.get(url, {"type": "litter-bin", "bbox": box})
    assert found.status_code == 200 and found["Cache-Control"] == "private, no-store"
    features = found.json()["features"]
    assert [f["properties"]["url"] for f in features] == [
        f"/riverbend/staff/assets/RB-LB-{n}/" for n in range(3)
    ]
    assert features[0]["properties"]["title"] == "Litter bin RB-LB-0"
    assert client.get(url, {"type": "litter-bin", "bbox": "-2,52,-1,53"}).json()["too_many"]
    assert client.get(url, {"type": "gully", "bbox": box}).status_code == 400  # not ours
    assert client.get(url, {"type": "litter-bin", "bbox": "nonsense"}).status_code == 400
