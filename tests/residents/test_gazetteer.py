import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from onecouncil.residents.models import Address, Ward
from onecouncil.residents.postcodes import normalise_postcode
from onecouncil.residents.selectors import addresses_for_postcode, nearest_address
from onecouncil.residents.services import gazetteer_import

CSV = """uprn,usrn,address_line_1,address_line_2,street,town,postcode,ward_code,ward_name,\
latitude,longitude
100023336956,20001,4 Mill Lane,,Mill Lane,Riverbend,rb12ab,E05900001,Abbey Meads,52.4862,-1.8904
100023336957,20001,6 Mill Lane,,Mill Lane,Riverbend,RB1 2AB,E05900001,Abbey Meads,52.4864,-1.8901
100023336958,20002,1 Weir Road,Flat 2,Weir Road,Riverbend,RB2 9ZZ,E05900002,Weir Fields,,
"""


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        (" SW1A 1AA ", "SW1A 1AA"),
        ("rg11aa", "RG1 1AA"),
        ("m11ae", "M1 1AE"),
    ],
)
def test_postcodes_are_normalised(typed, expected):
    assert normalise_postcode(typed) == expected


@pytest.mark.parametrize("typed", ["", "12345", "SW1A", "not a postcode", "QQ1 1AA"])
def test_bad_postcodes_are_refused_with_an_example(typed):
    with pytest.raises(ValidationError):
        normalise_postcode(typed)


def test_import_creates_addresses_and_wards(council):
    result = gazetteer_import(council=council, handle=io.StringIO(CSV))
    assert (result.created, result.updated, result.errors) == (3, 0, [])
    assert Ward.objects.filter(council=council).count() == 2
    found = addresses_for_postcode(council=council, postcode="rb1 2ab")
    assert [a.line1 for a in found] == ["4 Mill Lane", "6 Mill Lane"]
    assert found[0].ward.name == "Abbey Meads"
    assert found[0].postcode == "RB1 2AB"


def test_reimport_updates_in_place(council):
    gazetteer_import(council=council, handle=io.StringIO(CSV))
    result = gazetteer_import(council=council, handle=io.StringIO(CSV.replace("4 Mill", "4a Mill")))
    assert (result.created, result.updated) == (0, 3)
    assert Address.objects.filter(council=council, line1="4a Mill Lane").exists()


def test_a_bad_row_imports_nothing_and_is_named(council):
    bad = CSV + "notanumber,,1 X St,,,Town,RB1 2AB,,,,\n100,,2 X St,,,Town,NOTAPC,,,,\n"
    result = gazetteer_import(council=council, handle=io.StringIO(bad))
    assert any("line 5" in e for e in result.errors)
    assert any("line 6" in e and "postcode" in e for e in result.errors)
    assert not Address.objects.exists()


def test_command_imports_os_open_uprn_coordinates(council, tmp_path):
    main = tmp_path / "gazetteer.csv"
    main.write_text(CSV)
    coords = tmp_path / "osopenuprn.csv"
    coords.write_text(
        "UPRN,X_COORDINATE,Y_COORDINATE,LATITUDE,LONGITUDE\n"
        "100023336958,407000.00,286000.00,52.4801,-1.8950\n"
    )
    out = io.StringIO()
    call_command(
        "import_gazetteer",
        str(main),
        "--council",
        council.slug,
        "--coordinates",
        str(coords),
        stdout=out,
    )
    assert "3 addresses created" in out.getvalue()
    assert Address.objects.get(uprn=100023336958).latitude == pytest.approx(52.4801)


def test_command_refuses_unknown_council(db, tmp_path):
    (tmp_path / "g.csv").write_text(CSV)
    with pytest.raises(CommandError):
        call_command("import_gazetteer", str(tmp_path / "g.csv"), "--council", "nowhere")


def test_addresses_are_per_council(council, other_council):
    gazetteer_import(council=council, handle=io.StringIO(CSV))
    assert addresses_for_postcode(council=other_council, postcode="RB1 2AB") == []
    assert nearest_address(council=other_council, latitude=52.4862, longitude=-1.8904) is None
    near = nearest_address(council=council, latitude=52.48621, longitude=-1.89041)
    assert near is not None and near.line1 == "4 Mill Lane"
