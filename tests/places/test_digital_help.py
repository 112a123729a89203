"""Help to get online: the council's directory of digital help, nearest a postcode or a
street first, linked from every page's footer and every journey's offline help."""

from __future__ import annotations

from onecouncil.places.help import help_near, help_place_locate
from onecouncil.places.models import DigitalHelpPlace
from tests.factories import AddressFactory


def _place(council, name, postcode, **extra):
    place = DigitalHelpPlace(
        council=council,
        name=name,
        kind="library",
        address="1 High Street",
        postcode=postcode,
        opening_times="Mondays, 9am to 5pm",
        how_to_book="Drop in.",
        **extra,
    )
    help_place_locate(place).save()
    return place


def test_places_are_listed_nearest_the_postcode_first(client, council):
    AddressFactory(council=council, uprn=1, postcode="RB1 1AA", latitude=52.0, longitude=-1.0)
    AddressFactory(council=council, uprn=2, postcode="RB2 2BB", latitude=52.1, longitude=-1.0)
    AddressFactory(council=council, uprn=3, postcode="RB3 3AB", latitude=52.5, longitude=-1.0)
    far = _place(council, "Far Library", "RB3 3AB", help_offered=["wifi"])
    near = _place(council, "Near Hub", "RB2 2BB", languages="English, Welsh")
    _place(council, "Closed Centre", "RB1 1AA", is_active=False)
    assert (near.latitude, far.latitude) == (52.1, 52.5)  # from the gazetteer
    found = help_near(council=council, text="rb1 1aa")
    assert [n.place.name for n in found.places] == ["Near Hub", "Far Library"]
    assert found.places[0].miles == 6.9  # 0.1 degree of latitude
    page = client.get("/riverbend/help-online/", {"where": "RB1 1AA"})
    assert page.status_code == 200
    text = page.text
    assert text.index("Near Hub") < text.index("Far Library")
    assert "Closed Centre" not in text
    assert "6.9 miles away" in text and "Free wifi" in text and "English, Welsh" in text


def test_an_unknown_place_says_so_and_lists_every_place(client, council):
    _place(council, "Only Library", "RB9 9ZZ")
    page = client.get("/riverbend/help-online/", {"where": "ZZ99 9ZZ"})
    assert page.status_code == 200
    assert "We could not find ZZ99 9ZZ" in page.text
    assert "Only Library" in page.text
    assert "Only Library" in client.get("/riverbend/help-online/").text


def test_every_page_links_to_help_to_get_online(client, council):
    assert 'href="/riverbend/help-online/"' in client.get("/riverbend/").text


def test_a_place_offers_only_kinds_of_help_it_knows(council):
    import pytest
    from django.core.exceptions import ValidationError

    place = DigitalHelpPlace(
        council=council,
        name="X",
        kind="library",
        address="A",
        postcode="RB1 1AA",
        opening_times="Always",
        how_to_book="Drop in.",
        help_offered=["teleportation"],
    )
    with pytest.raises(ValidationError):
        place.full_clean()
