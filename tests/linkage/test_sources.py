"""Source systems' extracts: imported through the saved mapping, all or nothing with the
rows' problems named, incrementally (new, changed, gone, back), and expired after their
retention."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from onecouncil.linkage.models import SourceImport, SourceRecord, SourceSystem
from onecouncil.linkage.sources import ImportRefused, source_import, source_records_expire

HEADER = "ACCOUNT_REF,FORENAME,LAST_NAME,DATE_OF_BIRTH,ADDR1,POSTCODE,EMAIL\n"


@pytest.fixture
def council_tax(council):
    return SourceSystem.objects.create(
        council=council,
        name="Council tax",
        owner="Revenues and benefits",
        lawful_basis="legal_obligation",
        purposes=["revenues", "single_view"],
        retention_days=30,
        id_column="ACCOUNT_REF",
        mapping={
            "first_name": "FORENAME",
            "surname": "LAST_NAME",
            "dob": "DATE_OF_BIRTH",
            "house_number": "ADDR1",
            "street": "ADDR1",
            "postcode": "POSTCODE",
            "email": "EMAIL",
        },
    )


def extract(tmp_path, rows, name="ctax.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def values(source, key):
    return SourceRecord.objects.get(source=source, source_key=key)


def test_an_extract_is_imported_through_its_mapping_then_incrementally(council_tax, tmp_path):
    first = extract(
        tmp_path,
        [
            "CT001,Siân,Jones,04/09/1956,12 Mill Lane,rb11aa,sian@example.com\n",
            "CT002,Tom,Brown,1980-01-02,3 Weir Road,RB1 2BB,\n",
            "CT003,Ann,Lee,,Flat 2 Castle Hill,RB2 3CC,ann@example.com\n",
        ],
    )
    done = source_import(source=council_tax, path=first, imported_by="dana")
    assert (done.rows, done.new, done.changed, done.gone) == (3, 3, 0, 0)
    sian = values(council_tax, "CT001").values
    assert sian["first_name"] == "sian" and sian["dob"] == "1956-09-04"
    assert sian["house_number"] == "12" and sian["postcode"] == "RB1 1AA"
    assert values(council_tax, "CT002").values["email"] is None

    second = extract(
        tmp_path,
        [
            "CT001,Siân,Jones,04/09/1956,12 Mill Lane,rb11aa,sian@example.com\n",  # the same
            "CT002,Tom,Brown,1980-01-02,9 Abbey Road,RB1 4DD,\n",  # moved
            "CT004,Raj,Patel,1975-05-06,1 High Street,RB1 5EE,\n",  # new
        ],
        name="ctax-2.csv",
    )
    done = source_import(source=council_tax, path=second)
    assert (done.new, done.changed, done.gone, done.unchanged) == (1, 1, 1, 1)
    assert values(council_tax, "CT002").values["postcode"] == "RB1 4DD"
    assert values(council_tax, "CT003").gone_at is not None
    back = source_import(source=council_tax, path=first)  # CT003 returns, CT004 goes
    assert (back.changed, back.gone) == (2, 1) and values(council_tax, "CT003").gone_at is None
    assert list(SourceImport.objects.values_list("file_name", flat=True)) == [
        "ctax.csv",
        "ctax-2.csv",
        "ctax.csv",
    ]


def test_a_bad_extract_imports_nothing_and_names_its_rows(council_tax, tmp_path):
    source_import(source=council_tax, path=extract(tmp_path, ["CT001,A,B,,1 X St,,\n"]))
    bad = extract(
        tmp_path,
        [
            "CT009,Ok,Person,1990-01-01,1 X St,,\n",
            ",No,Reference,,,,\n",
            "CT009,Twice,Over,,,,\n",
            "CT010,Bad,Date,31/02/1990,,,\n",
        ],
        name="bad.csv",
    )
    with pytest.raises(ImportRefused) as refused:
        source_import(source=council_tax, path=bad)
    assert refused.value.errors == [
        "Row 3: no ACCOUNT_REF",
        "Row 4: ACCOUNT_REF CT009 is on an earlier row too",
        "Row 5: DATE_OF_BIRTH 31/02/1990 is not a date of birth",
    ]
    assert list(SourceRecord.objects.values_list("source_key", flat=True)) == ["CT001"]
    (tmp_path / "short.csv").write_text("ACCOUNT_REF,FORENAME\nCT1,A\n")
    with pytest.raises(ImportRefused, match="no column LAST_NAME, DATE_OF_BIRTH"):
        source_import(source=council_tax, path=tmp_path / "short.csv")


def test_parquet_extracts_and_the_command(council_tax, tmp_path, capsys):
    frame = pd.DataFrame(
        {
            "ACCOUNT_REF": ["CT1", "CT2"],
            "FORENAME": ["Ann", None],
            "LAST_NAME": ["Lee", "Khan"],
            "DATE_OF_BIRTH": [dt.date(1970, 3, 4), None],
            "ADDR1": ["5 Mill Lane", None],
            "POSTCODE": ["RB1 1AA", None],
            "EMAIL": [None, "k@example.com"],
        }
    )
    frame.to_parquet(tmp_path / "ctax.parquet")
    call_command(
        "import_source",
        "--council",
        "riverbend",
        "--source",
        "Council tax",
        "--file",
        str(tmp_path / "ctax.parquet"),
    )
    assert "2 rows; 2 new" in capsys.readouterr().out
    assert values(council_tax, "CT1").values["dob"] == "1970-03-04"
    assert values(council_tax, "CT2").values["first_name"] is None
    with pytest.raises(CommandError, match="no active source system 'Rates'"):
        call_command(
            "import_source",
            "--council",
            "riverbend",
            "--source",
            "Rates",
            "--file",
            str(tmp_path / "ctax.parquet"),
        )


def test_gone_records_are_kept_for_the_sources_retention(council_tax, tmp_path):
    source_import(
        source=council_tax, path=extract(tmp_path, ["CT001,A,B,,,,\n", "CT002,C,D,,,,\n"])
    )
    source_import(source=council_tax, path=extract(tmp_path, ["CT001,A,B,,,,\n"], "two.csv"))
    assert source_records_expire(now=timezone.now() + dt.timedelta(days=29)) == 0
    assert source_records_expire(now=timezone.now() + dt.timedelta(days=31)) == 1
    assert list(SourceRecord.objects.values_list("source_key", flat=True)) == ["CT001"]


def test_a_mapping_names_only_person_fields(council_tax):
    council_tax.mapping = {"surname": "LAST_NAME", "shoe_size": "SHOES"}
    council_tax.purposes = ["marketing"]
    with pytest.raises(ValidationError) as invalid:
        council_tax.full_clean()
    assert "No person field shoe_size" in str(invalid.value)
    assert "No purpose marketing" in str(invalid.value)


def test_subject_access_and_erasure_reach_the_source_records(council_tax, tmp_path):
    from onecouncil.core.privacy import (
        PersonKeys,
        erase_everywhere,
        export_everywhere,
        stores,
    )

    source_import(
        source=council_tax,
        path=extract(
            tmp_path,
            [
                "CT001,Siân,Jones,04/09/1956,12 Mill Lane,RB1 1AA,Sian@Example.com\n",
                "CT002,Tom,Brown,1980-01-02,3 Weir Road,RB1 2BB,tom@example.com\n",
            ],
        ),
    )
    assert "linkage_sources" in [s.name for s in stores()]
    keys = PersonKeys(council_id=council_tax.council_id, emails=frozenset({"sian@example.com"}))
    (held,) = export_everywhere(keys)["source_systems"]
    assert held["system"] == "Council tax" and held["their_reference"] == "CT001"
    assert held["values"]["dob"] == "1956-09-04"
    other = PersonKeys(council_id=council_tax.council_id + 1, emails=keys.emails)
    assert export_everywhere(other)["source_systems"] == []  # another council's: nothing
    assert erase_everywhere(keys)["linkage_sources"] == 1
    assert list(SourceRecord.objects.values_list("source_key", flat=True)) == ["CT002"]
