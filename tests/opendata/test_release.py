"""Open data releases: what is published, in which formats, and that no personal data and
no recoverable small count ever goes out. Every file of a real release is read back."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import duckdb
import numpy as np
import pytest
from scipy.optimize import linprog

from onecouncil.cases.actions import EarlierRequest, cases_bulk_load
from onecouncil.cases.inputs import Contact, Location
from onecouncil.cases.models import Channel, Status
from onecouncil.insight.models import settings_for as insight_settings
from onecouncil.opendata.datasets import BY_SERVICE, BY_WARD, DATASETS, FORMATS, REQUESTS
from onecouncil.opendata.models import ReleaseStatus
from onecouncil.opendata.services import release_build, release_dir, releases_job
from onecouncil.places.models import StreetLine
from onecouncil.residents.models import Person
from tests.factories import (
    AddressFactory,
    QuestionFactory,
    ServiceFactory,
    TeamFactory,
    WardFactory,
)

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 2, 12, tzinfo=UTC)
# Personal data the fixture holds, none of which may ever be published.
PEOPLE = [
    ("Philippa Quennell", "philippa.q@example.org", "07700 900461"),
    ("Ed Hart", "ed@example.net", "+44 20 7946 0958"),
    ("Rosalind Umberleigh", "ros@example.com", "0121 496 0733"),
]
SECRET_TEXT = "the man at number nine keeps dumping mattresses behind the garages"


def at(month, day, hour=10):
    return dt.datetime(2026 if month < 3 else 2025, month, day, hour, tzinfo=UTC)


@pytest.fixture
def city(council):
    """Three services (public, about homes, private) over two wards and three months,
    with people whose names, contacts and words are known, and rare combinations: one
    private request alone in a ward in a month."""
    north = WardFactory(council=council, code="E05000101", name="Northgate")
    south = WardFactory(council=council, code="E05000102", name="Southmead")
    # Mill Lane has many homes, Hart Close (named like a resident) only two.
    homes = [AddressFactory(council=council, ward=north, street="Mill Lane") for _ in range(12)]
    few = [AddressFactory(council=council, ward=south, street="Hart Close") for _ in range(2)]
    StreetLine.objects.create(
        council=council,
        name="Mill Lane",
        min_lon=-1.9,
        min_lat=52.4,
        max_lon=-1.8,
        max_lat=52.5,
        geometry='{"type":"LineString","coordinates":[[-1.9,52.4],[-1.8,52.5]]}',
    )
    team = TeamFactory(council=council)
    pothole = ServiceFactory(
        council=council, code="pothole", name="Pothole", team=team, sla_amount=2, lgsl_code=458
    )
    bin_ = ServiceFactory(
        council=council, code="missed-bin", name="Missed bin", team=team, visibility="ward"
    )
    housing = ServiceFactory(
        council=council, code="housing", name="Housing repair", team=team, visibility="private"
    )
    for service in (pothole, housing):
        QuestionFactory(service=service, code="what", kind="long_text", required=False)
    requests = []
    for i in range(40):
        name, email, phone = PEOPLE[i % 3]
        month = (1, 2, 12)[i % 3]
        requests.append(
            EarlierRequest(
                service=pothole if i % 4 else bin_,
                answers={"what": SECRET_TEXT} if i == 1 else {},
                location=Location(address=homes[i % 12])
                if i % 4 == 0
                else Location(street="Mill Lane", description=f"Near {name}'s gate"),
                contact=Contact(name=name, email=email, phone=phone),
                channel=(Channel.WEB, Channel.PHONE)[i % 2],
                reported_at=at(month, 1 + i % 20),
                status=Status.FIXED if i % 5 else Status.RECEIVED,
                closed_at=at(month, 1 + i % 20, 15) if i % 5 else None,
            )
        )
    for i in range(3):  # a rare bin report on a street of two homes
        requests.append(
            EarlierRequest(
                service=bin_,
                answers={},
                location=Location(address=few[i % 2]),
                contact=Contact(name="Ed Hart", email="ed@example.net"),
                channel=Channel.WEB,
                reported_at=at(2, 3 + i),
            )
        )
    for i in range(7):  # private: six in Northgate, one alone in Southmead
        requests.append(
            EarlierRequest(
                service=housing,
                answers={"what": "damp in the back bedroom since October"},
                location=Location(address=homes[0] if i < 6 else few[0]),
                contact=Contact(name="Rosalind Umberleigh", phone="0121 496 0733"),
                channel=Channel.PHONE,
                reported_at=at(1, 5 + i),
            )
        )
    cases_bulk_load(council=council, requests=requests)
    Person.objects.get_or_create(
        council=council, name="Philippa Quennell", email="philippa.q@example.org"
    )
    insight_settings(council)  # threshold 10 by default
    return {"pothole": pothole, "bin": bin_, "housing": housing, "north": north}


def read_csv(release, name):
    with (release_dir(release) / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def every_text(release) -> str:
    """Every file of the release as text (Parquet read back through DuckDB)."""
    parts = []
    for name in release.files:
        path = release_dir(release) / name
        if name.endswith(".parquet"):
            rows = duckdb.sql(f"SELECT * FROM read_parquet('{path}')").fetchall()  # noqa: S608
            parts.append(repr(rows))
        else:
            parts.append(path.read_text(encoding="utf-8"))
    return "\n".join(parts).lower()


def test_a_release_publishes_every_dataset_in_every_format_without_personal_data(council, city):
    release = release_build(council=council, now=NOW)
    assert release.status == ReleaseStatus.PENDING, release.problems
    assert release.problems == []
    for dataset in DATASETS:
        for fmt in FORMATS:
            assert dataset.filename(fmt) in release.files
        assert dataset.dictionary_filename in release.files
    text = every_text(release)
    for name, email, phone in PEOPLE:
        assert name.lower() not in text
        assert email not in text
        assert phone.replace(" ", "")[-6:] not in text.replace(" ", "")
    for surname in ("quennell", "umberleigh"):
        assert surname not in text
    assert SECRET_TEXT not in text and "damp in the back" not in text and "'s gate" not in text

    rows = read_csv(release, REQUESTS.filename("csv"))
    # Public services only: 43 pothole and bin requests, no housing repair.
    assert len(rows) == 43
    assert {r["service_code"] for r in rows} == {"pothole", "missed-bin"}
    assert list(rows[0]) == REQUESTS.column_names
    pothole = next(r for r in rows if r["service_code"] == "pothole")
    assert pothole["address"] == "Mill Lane" and pothole["location_precision"] == "street"
    assert pothole["lat"] == "52.45" and pothole["lgsl_code"] == "458"
    # Bins are about homes: Mill Lane (12 homes) is named, Hart Close (2) only its ward.
    bins = [r for r in rows if r["service_code"] == "missed-bin"]
    assert {(r["address"], r["location_precision"]) for r in bins} == {
        ("Mill Lane", "street"),
        ("Southmead", "ward"),
    }
    assert all(r["lat"] == "" for r in bins if r["location_precision"] == "ward")
    closed = [r for r in rows if r["status"] == "closed"]
    assert closed and all(r["closure_category"] == "fixed" for r in closed)

    # JSON and Parquet hold the same rows, typed.
    data = json.loads((release_dir(release) / REQUESTS.filename("json")).read_text())
    assert len(data) == 43 and set(data[0]) == set(REQUESTS.column_names)
    assert data[0]["lgsl_code"] in (458, None)
    parquet = duckdb.sql(
        f"SELECT count(*), count(DISTINCT service_request_id) FROM "  # noqa: S608
        f"read_parquet('{release_dir(release) / REQUESTS.filename('parquet')}')"
    ).fetchall()
    assert parquet == [(43, 43)]


def _bounds(total_vars, lines, k):
    """Bound each withheld cell by linear programming over what is published: for each
    line, its published cells plus its withheld cells make its total (published or a
    variable); every withheld cell is at least 1 (zeros are never withheld)."""
    n = len(total_vars)
    a_eq, b_eq = [], []
    for total, known, hidden in lines:
        row = np.zeros(n)
        for index in hidden:
            row[index] += 1
        if isinstance(total, str):  # a withheld total: a variable too
            row[total_vars.index(total)] -= 1
            a_eq.append(row)
            b_eq.append(-known)
        else:
            a_eq.append(row)
            b_eq.append(total - known)
    widths = []
    for index in range(n):
        c = np.zeros(n)
        c[index] = 1
        low = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=[(1, None)] * n)
        high = linprog(-c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=[(1, None)] * n)
        assert low.status == 0
        widths.append(np.inf if high.status == 3 else (-high.fun) - low.fun)
    return widths


def _lp_over_release(release, k):
    """Every withheld cell of the aggregates, bounded over the published totals."""
    services = read_csv(release, BY_SERVICE.filename("csv"))
    wards = read_csv(release, BY_WARD.filename("csv"))
    names, lines = [], []

    def var(name):
        names.append(name)
        return len(names) - 1

    channel_columns = [c.name for c in BY_SERVICE.columns if c.name.startswith("channel_")]
    for row in services:
        key = (row["service_code"], row["month"])
        total = row["requests"]
        if total == "[c]":
            total = f"total {key}"
            var(total)
        else:
            total = int(total)
        cells = [w["requests"] for w in wards if (w["service_code"], w["month"]) == key]
        for line in (cells, [row[c] for c in channel_columns]):
            known = sum(int(v) for v in line if v not in ("[c]", ""))
            hidden = [var(f"{key} {i}") for i, v in enumerate(line) if v == "[c]"]
            if hidden or isinstance(total, str):
                lines.append((total, known, hidden))
    if not names:
        return []
    return _bounds(names, lines, k)


def test_small_counts_are_withheld_and_none_can_be_worked_out(council, city):
    release = release_build(council=council, now=NOW)
    k = release.threshold
    for dataset in (BY_WARD, BY_SERVICE):
        for row in read_csv(release, dataset.filename("csv")):
            for column in dataset.columns:
                if column.count and row[column.name] not in ("[c]", ""):
                    assert int(row[column.name]) == 0 or int(row[column.name]) >= k
    housing = [
        r for r in read_csv(release, BY_WARD.filename("csv")) if r["service_code"] == "housing"
    ]
    # The private service's one request in Southmead is withheld, and so is Northgate's 6.
    assert {(r["ward_name"], r["requests"]) for r in housing} == {
        ("Northgate", "[c]"),
        ("Southmead", "[c]"),
    }
    widths = _lp_over_release(release, k)
    assert widths and all(width > k for width in widths)


def test_secondary_suppression_holds_over_many_random_tables():
    """``protect`` on 300 random service-months (a ward line and a channel line adding up
    to the same total): no withheld cell can be bounded within the threshold."""
    from onecouncil.opendata.disclosure import protect

    rng = np.random.default_rng(7)
    k = 10
    for _ in range(300):
        wards = [
            int(x) for x in rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 40], size=rng.integers(1, 7))
        ]
        total = sum(wards)
        if total == 0:
            continue
        channels = list(rng.multinomial(total, [0.5, 0.3, 0.1, 0.1]))
        result = protect(total, [wards, channels], k)
        names, lines = [], []
        total_var = "total" if result.total_withheld else total
        if result.total_withheld:
            names.append("total")
        for line_no, (line, hidden_at) in enumerate(
            zip([wards, channels], result.withheld, strict=True)
        ):
            known = sum(v for i, v in enumerate(line) if i not in hidden_at)
            hidden = []
            for i in sorted(hidden_at):
                assert line[i] > 0  # zeros are never withheld
                names.append(f"{line_no}-{i}")
                hidden.append(len(names) - 1)
            if hidden or result.total_withheld:
                lines.append((total_var, known, hidden))
            assert not any(0 < v < k for i, v in enumerate(line) if i not in hidden_at)
        if names:
            widths = _bounds(names, lines, k)
            assert all(width > k for width in widths), (wards, channels, result)


def test_medians_are_duckdbs_without_holding_every_value():
    """The medians a release publishes, walked from counted values so that memory does
    not grow with requests, are the medians DuckDB's ``median`` gives (odd and even
    groups, repeated values, open requests left out)."""
    from onecouncil.opendata.build import FACTS_DDL, median_of_counts, service_month_medians

    assert median_of_counts([(1.0, 1), (2.0, 1), (3.0, 2)]) == 2.5
    assert median_of_counts([(1.0, 2), (9.0, 1)]) == 1.0
    assert median_of_counts([(4.25, 1)]) == 4.25
    rng = np.random.default_rng(11)
    con = duckdb.connect()
    con.execute(FACTS_DDL)
    rows = []
    for service in (1, 2, 3):
        for month in ("2026-01", "2026-02", "2026-03"):
            for _ in range(int(rng.integers(1, 60))):
                closed = bool(rng.random() < 0.8)
                days = round(float(rng.exponential(5)), 2) if rng.random() < 0.7 else 1.0
                rows.append((service, None, month, "web", closed, True, True, days * closed))
    con.executemany("INSERT INTO facts VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    expected = {
        (service, month): median
        for service, month, median in con.execute(
            "SELECT service_id, month, median(days) FILTER (closed) FROM facts GROUP BY ALL"
        ).fetchall()
        if median is not None
    }
    assert len(expected) > 5
    assert service_month_medians(con) == pytest.approx(expected)


def test_the_check_refuses_personal_data_and_says_why(council, city):
    from onecouncil.cases.actions import WorkflowError, case_publish_description
    from onecouncil.cases.models import Case
    from onecouncil.core.actors import Actor
    from tests.factories import make_case

    case = make_case(
        city["pothole"],
        description="Philippa Quennell says ring 07700900461 or philippa.q@example.org",
        contact=Contact(name="Someone Else", email="someone@example.org"),
    ).case
    # The writer now refuses to publish words holding a phone or an email, so this is
    # text published before that rule (or a name no pattern finds): the check is the
    # last guard of what a release may carry.
    with pytest.raises(WorkflowError):
        case_publish_description(case=case, actor=Actor.system("Test"))
    Case.objects.filter(pk=case.pk).update(
        description_published_at=NOW, public_description=case.description
    )
    release = release_build(council=council, now=NOW)
    assert release.status == ReleaseStatus.REFUSED
    problems = " ".join(release.problems)
    for kind in ("email address", "phone number", "full name", "surname"):
        assert kind in problems
    assert "service-requests.csv" in problems and "service-requests.parquet" in problems
    # Nothing refused is ever served, and the worker does not publish it.
    assert releases_job(now=NOW + dt.timedelta(days=0, hours=10)) == 0
    release.refresh_from_db()
    assert release.status == ReleaseStatus.REFUSED


# What is slipped into each file in turn, and the kind of refusal it must meet. The
# values are written as nobody stored them (other case, other phone format).
TAMPERING = [
    ("Wilhelmina ASHCOMBE", "full name"),  # a follower
    ("letter from Mrs Treadgold", "surname"),  # an account holder
    ("call +44 121 496 0733", "phone number"),  # a reporter, held as 0121 496 0733
    ("they wrote: " + SECRET_TEXT.upper(), "free text"),  # an answer
    ("Ed@Example.NET", "email address"),  # a reporter
]


def _tamper(path: Path, value: str) -> None:
    """Write ``value`` into one file of a release, as a file built wrongly would hold it."""
    if path.name.endswith("-dictionary.csv"):
        with path.open("a", newline="", encoding="utf-8") as handle:
            csv.writer(handle).writerow([value, "varchar", "", "no", ""])
    elif path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        rows[0]["service_name"] = value
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    elif path.suffix == ".json":
        rows = json.loads(path.read_text(encoding="utf-8"))
        rows[0]["service_name"] = value
        path.write_text(json.dumps(rows), encoding="utf-8")
    else:
        copy = path.with_suffix(".tampered")
        con = duckdb.connect()
        con.execute(
            f"COPY (SELECT * REPLACE (CAST(? AS VARCHAR) AS service_name) "  # noqa: S608
            f"FROM read_parquet('{path}')) TO '{copy}' (FORMAT parquet)",
            [value],
        )
        con.close()
        copy.replace(path)


def test_every_file_is_scanned_for_every_kind_of_personal_value(council, city, tmp_path):
    """A clean release passes; then each of its files in turn is given one personal value
    (a follower's name, an account holder's surname, a phone number written differently,
    an answer, an email address, in another case), and the check refuses exactly that
    file, for that reason."""
    import shutil

    from onecouncil.cases.models import Follower
    from onecouncil.opendata.check import check_release
    from onecouncil.opendata.datasets import all_filenames
    from onecouncil.opendata.services import threshold_for, vocabulary
    from onecouncil.residents.models import Account

    case = city["pothole"].cases.first()
    Follower.objects.create(
        council=council, case=case, name="Wilhelmina Ashcombe", email="wa@example.org"
    )
    Account.objects.create(council=council, email="jt@example.org", name="Jo Treadgold")
    release = release_build(council=council, now=NOW)
    assert release.status == ReleaseStatus.PENDING, release.problems

    def check(directory: Path) -> list[str]:
        return check_release(
            council_id=council.pk,
            directory=directory,
            filenames=all_filenames(),
            threshold=threshold_for(council),
            vocabulary=vocabulary(council),
        )

    for number, filename in enumerate(all_filenames()):
        value, kind = TAMPERING[number % len(TAMPERING)]
        directory = tmp_path / filename
        shutil.copytree(release_dir(release), directory)
        assert check(directory) == []
        _tamper(directory / filename, value)
        problems = check(directory)
        assert problems, (filename, value)
        assert all(p.startswith(filename + " ") for p in problems), problems
        assert any(kind in p for p in problems), (filename, kind, problems)


def test_private_services_never_and_one_made_private_drops_out(council, city, client):
    from onecouncil.opendata.services import release_publish, withdrawal_offers

    first = release_publish(release=release_build(council=council, now=NOW), now=NOW)
    assert "missed-bin" in first.request_services and "housing" not in first.request_services
    city["bin"].visibility = "private"
    city["bin"].save()
    later = release_build(council=council, now=NOW + dt.timedelta(days=1))
    codes = {r["service_code"] for r in read_csv(later, REQUESTS.filename("csv"))}
    assert codes == {"pothole"}
    offers = withdrawal_offers(council)
    assert [o.release.pk for o in offers] == [first.pk]
    assert offers[0].services == ["Missed bin"]
    # Its counts are still published, protected like any private service.
    assert "missed-bin" in {r["service_code"] for r in read_csv(later, BY_SERVICE.filename("csv"))}


def test_making_a_service_private_offers_to_withdraw_what_carried_it(
    council, city, capsys, tmp_path
):
    """Made private by the catalogue import (the admin's form is clicked in Chromium):
    whoever did it is told which releases carried its requests; a release that never
    carried them, or a service staying public, says nothing."""
    import yaml
    from django.core.management import call_command

    from onecouncil.catalogue.exchange import catalogue_export, catalogue_import
    from onecouncil.opendata.services import release_publish

    release_publish(release=release_build(council=council, now=NOW), now=NOW)
    exported = yaml.safe_load(catalogue_export(council=council))
    for entry in exported["services"]:
        if entry["code"] == "pothole":
            entry["visibility"] = "ward"  # still public: nothing to offer
    assert catalogue_import(council=council, text=yaml.safe_dump(exported)).notices == []
    for entry in exported["services"]:
        if entry["code"] == "missed-bin":
            entry["visibility"] = "private"
    path = tmp_path / "catalogue.yaml"
    path.write_text(yaml.safe_dump(exported), encoding="utf-8")
    call_command("catalogue_import", str(path), council=council.slug)
    out = capsys.readouterr().out
    assert "Missed bin is now private, so the next open data release leaves its requests out" in out
    assert "The release of 2 March 2026 carries them" in out
    # Made public and private again: no release carries it any more once withdrawn.
    from onecouncil.opendata.models import Release
    from onecouncil.opendata.services import offer_withdrawal, release_withdraw

    release_withdraw(release=Release.objects.get(), actor=None, reason="It carried bins.")
    city["bin"].refresh_from_db()
    assert offer_withdrawal(service=city["bin"], before="ward") == []


def test_the_worker_builds_daily_holds_publishes_and_retires(
    council, city, django_capture_on_commit_callbacks
):
    from onecouncil.opendata.models import Release
    from onecouncil.opendata.services import settings_for

    options = settings_for(council)
    options.keep_releases = 2
    options.save()
    assert releases_job(now=NOW) == 1  # built, held for 4 hours
    assert Release.objects.get().status == ReleaseStatus.PENDING
    assert releases_job(now=NOW + dt.timedelta(hours=1)) == 0
    assert releases_job(now=NOW + dt.timedelta(hours=5)) == 1  # published
    for day in (1, 2):
        with django_capture_on_commit_callbacks(execute=True):
            releases_job(now=NOW + dt.timedelta(days=day))
            releases_job(now=NOW + dt.timedelta(days=day, hours=5))
    statuses = dict(Release.objects.values_list("version", "status"))
    assert statuses == {
        dt.date(2026, 3, 2): ReleaseStatus.RETIRED,
        dt.date(2026, 3, 3): ReleaseStatus.PUBLISHED,
        dt.date(2026, 3, 4): ReleaseStatus.PUBLISHED,
    }
    assert not release_dir(Release.objects.get(version=dt.date(2026, 3, 2))).exists()
    options.paused = True
    options.save()
    assert releases_job(now=NOW + dt.timedelta(days=3)) == 0


def test_the_public_pages_files_and_catalogue(
    council, city, client, django_capture_on_commit_callbacks
):
    from pyshacl import validate
    from rdflib import Graph

    from onecouncil.opendata.services import release_publish, release_withdraw

    base = f"/{council.slug}/data/"
    assert client.get(base).status_code == 200  # nothing yet: says so
    pending = release_build(council=council, now=NOW)
    assert client.get(base + "service-requests.csv").status_code == 404  # not out yet
    first = release_publish(release=pending, now=NOW)
    page = client.get(base).content.decode()
    assert "Service requests" in page and "Mill Lane" in page and "Open Government Licence" in page
    assert "Contains OS data" in page
    dataset = client.get(base + "service-requests/").content.decode()
    assert '"@type": "Dataset"' in dataset and "service_request_id" in dataset
    # The period covered: from the oldest request counted (a private one included).
    assert first.covers_from == dt.date(2025, 12, 1)
    assert f'"temporalCoverage": "2025-12-01/{first.version}"' in dataset
    assert "From 1 December 2025 to 2 March 2026" in dataset

    response = client.get(base + "service-requests.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    assert body.decode().startswith("service_request_id,")
    etag, modified = response["ETag"], response["Last-Modified"]
    # Link checkers and harvesters ask HEAD first: the same headers, no body.
    head = client.head(base + "service-requests.csv")
    assert head.status_code == 200 and head["ETag"] == etag and not head.getvalue()
    assert client.head(base + "catalogue.ttl").status_code == 200
    assert client.head(f"/{council.slug}/performance/").status_code == 200
    assert (
        client.get(base + "service-requests.csv", headers={"If-None-Match": etag}).status_code
        == 304
    )
    assert (
        client.get(
            base + "service-requests.csv", headers={"If-Modified-Since": modified}
        ).status_code
        == 304
    )
    assert client.get(base + "requests-by-ward.parquet").status_code == 200
    assert client.get(base + "../../etc/passwd").status_code == 404
    assert client.get(base + "nothing.csv").status_code == 404

    # The catalogue conforms to the official DCAT-AP 2.1.1 shapes, in both forms.
    shapes = Graph().parse(Path(__file__).parent / "dcat-ap_2.1.1_shacl_shapes.ttl")
    for name, fmt in (("catalogue.jsonld", "json-ld"), ("catalogue.ttl", "turtle")):
        response = client.get(base + name)
        assert response.status_code == 200
        graph = Graph().parse(data=response.content.decode(), format=fmt)
        conforms, _graph, report = validate(graph, shacl_graph=shapes)
        assert conforms, report
    catalogue = client.get(base + "catalogue.ttl").content.decode()
    assert f"{first.version}" in catalogue and "open-government-licence" in catalogue
    assert 'dcat:startDate "2025-12-01"^^xsd:date' in catalogue

    # Withdrawn: 410 Gone, and dropped from the catalogue.
    with django_capture_on_commit_callbacks(execute=True):
        release_withdraw(release=first, actor=None, reason="A mistake was found in it.")
    version = first.version.isoformat()
    gone = client.get(base + f"releases/{version}/service-requests.csv")
    assert gone.status_code == 410 and "A mistake was found" in gone.content.decode()
    assert client.get(base + f"service-requests/?version={version}").status_code == 410
    assert version not in client.get(base + "catalogue.ttl").content.decode()
    assert client.get(base + "service-requests.csv").status_code == 404


def test_administrators_choose_what_is_published_and_see_the_check(council, city, client):
    from onecouncil.core.models import AuditEntry, Role
    from onecouncil.opendata.models import Release
    from onecouncil.opendata.services import settings_for
    from tests.backoffice_helpers import staff

    client.force_login(staff(council, Role.ADMINISTRATOR))
    url = f"/{council.slug}/staff/open-data/"
    page = client.get(url).content.decode()
    assert "No release is waiting" in page and "Missed bin" in page
    assert "Housing repair" not in page  # private services never publish requests
    bad = client.post(
        url,
        {
            "action": "settings",
            "threshold": "3",
            "location_precision": "ward",
            "licence": "ogl-3",
            "keep_releases": "7",
            "hold_hours": "4",
        },
    )
    assert bad.status_code == 400
    assert "Ensure this value is greater than or equal to 5" in bad.content.decode()
    good = client.post(
        url,
        {
            "action": "settings",
            "threshold": "12",
            "location_precision": "ward",
            "licence": "cc-by-4",
            "keep_releases": "5",
            "hold_hours": "4",
            "request_level": [str(city["pothole"].pk)],
        },
    )
    assert good.status_code == 302
    options = settings_for(council)
    assert list(options.withheld_services.all()) == [city["bin"]]
    assert insight_settings(council).suppression_threshold == 12
    assert AuditEntry.objects.filter(action="open_data").count() == 1

    assert client.post(url, {"action": "build"}).status_code == 302
    releases_job()  # the worker builds what was asked for
    release = Release.objects.get()
    assert release.threshold == 12 and release.request_services == ["pothole"]
    rows = read_csv(release, REQUESTS.filename("csv"))
    assert {r["location_precision"] for r in rows} == {"ward"} and not any(r["lat"] for r in rows)
    page = client.get(url).content.decode()
    assert "Passed" in page and "service_request_id" in page
    assert client.post(url, {"action": "publish"}).status_code == 302
    release.refresh_from_db()
    assert release.status == ReleaseStatus.PUBLISHED
    assert client.get(f"/{council.slug}/data/service-requests.csv").status_code == 200


def test_a_release_withdrawn_today_is_built_again_and_failures_are_shown(
    council, city, client, django_capture_on_commit_callbacks, monkeypatch
):
    from onecouncil.core.models import Role
    from onecouncil.opendata import services
    from onecouncil.opendata.models import Release
    from onecouncil.opendata.services import (
        release_publish,
        release_request_build,
        release_withdraw,
        settings_for,
    )
    from tests.backoffice_helpers import staff

    published = release_publish(release=release_build(council=council, now=NOW), now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        release_withdraw(release=published, actor=None, reason="A name slipped through")
    release_request_build(council=council)  # "Build today's release again"
    assert releases_job(now=NOW + dt.timedelta(minutes=5)) == 1
    rebuilt = Release.objects.get()
    assert rebuilt.status == ReleaseStatus.PENDING and rebuilt.ended_reason == ""
    assert release_dir(rebuilt).exists()

    # A failing build is shown to administrators on the Open data page.
    def broken(**_kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(services, "build_release", broken)
    release_request_build(council=council)
    releases_job(now=NOW + dt.timedelta(minutes=10))
    assert "No space left" in settings_for(council).last_failure
    client.force_login(staff(council, Role.ADMINISTRATOR))
    page = client.get(f"/{council.slug}/staff/open-data/").text
    assert "The last release failed" in page and "No space left on device" in page
    monkeypatch.undo()
    release_request_build(council=council)
    releases_job(now=NOW + dt.timedelta(minutes=15))
    assert settings_for(council).last_failure == ""
