"""Building a release's files, streaming: memory does not grow with the number of requests.

One pass over the council's requests (``opendata.rows.requests_for_open_data``, read in
chunks by id) writes the request-level CSV row by row and appends each request's few
aggregate facts to a DuckDB file on disk. The aggregates are then counted in DuckDB,
protected (``insight.suppression`` then ``opendata.disclosure``) and written as CSV;
DuckDB turns every CSV into JSON and Parquet without holding it in memory.

Where a request is placed (``_Places``) is the one rule for locations: at most the
street, and for services about homes (``Visibility.WARD``) the street only where it has
at least the threshold number of addresses, otherwise the ward.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
from django.conf import settings
from django.db.models import Count

from onecouncil.cases.models import CLOSED_STATUSES, Channel
from onecouncil.catalogue.models import Service, Visibility
from onecouncil.core.exports import csv_writer
from onecouncil.core.models import Council
from onecouncil.insight.suppression import WITHHELD, Rule, suppress_rows
from onecouncil.opendata.datasets import (
    BY_SERVICE,
    BY_WARD,
    CHANNEL_COLUMNS,
    DATASETS,
    REQUESTS,
    WITHHELD_MARK,
    Dataset,
)
from onecouncil.opendata.disclosure import protect
from onecouncil.opendata.models import Precision
from onecouncil.opendata.rows import OpenDataRow, requests_for_open_data
from onecouncil.places.models import StreetLine
from onecouncil.residents.models import Address, Ward

CHUNK = 50_000
NO_WARD = ("", "")  # ward code and name of requests with no ward


@dataclass
class Built:
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    request_services: list[str] = field(default_factory=list)
    seconds: float = 0.0
    covers_from: dt.date | None = None  # the day (local) of the oldest request


@dataclass(frozen=True)
class _ServiceInfo:
    code: str
    name: str
    lgsl: int | None
    visibility: str
    request_level: bool


class _Places:
    """Where a request is published: ``(address, precision, lat, long)``."""

    def __init__(self, council: Council, precision: str, threshold: int) -> None:
        self.precision = precision
        self.threshold = threshold
        self.wards = {
            pk: (code, name)
            for pk, code, name in Ward.objects.filter(council=council).values_list(
                "pk", "code", "name"
            )
        }
        boxes: dict[str, list[float]] = {}
        for name, *box in StreetLine.objects.filter(council=council).values_list(
            "name", "min_lat", "min_lon", "max_lat", "max_lon"
        ):
            key = name.strip().lower()
            if key in boxes:
                old = boxes[key]
                boxes[key] = [
                    min(old[0], box[0]),
                    min(old[1], box[1]),
                    max(old[2], box[2]),
                    max(old[3], box[3]),
                ]
            else:
                boxes[key] = list(box)
        self.centres = {
            key: (round((b[0] + b[2]) / 2, 5), round((b[1] + b[3]) / 2, 5))
            for key, b in boxes.items()
        }
        self.homes = {
            (street or "").strip().lower(): n
            for street, n in Address.objects.filter(council=council)
            .values("street")
            .annotate(n=Count("pk"))
            .values_list("street", "n")
        }

    def ward(self, ward_id: int | None) -> tuple[str, str]:
        return self.wards.get(ward_id, NO_WARD) if ward_id is not None else NO_WARD

    def place(
        self, row: OpenDataRow, visibility: str
    ) -> tuple[str, str, float | None, float | None]:
        ward_name = self.ward(row.ward_id)[1]
        street = row.street.strip()
        key = street.lower()
        if (
            self.precision == Precision.STREET
            and street
            and (visibility == Visibility.PUBLIC or self.homes.get(key, 0) >= self.threshold)
        ):
            lat_long = self.centres.get(key)
            if lat_long is not None:
                return street, "street", lat_long[0], lat_long[1]
            return street, "street", None, None
        return ward_name, "ward", None, None


def _iso(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(zone).isoformat(timespec="seconds")


def _within(row: OpenDataRow, closed: bool, now: dt.datetime) -> bool | None:
    if row.due_at is None:
        return None
    if closed:
        return row.closed_at is not None and row.closed_at <= row.due_at
    return False if row.due_at < now else None


FACTS_DDL = """
CREATE TABLE facts (
    service_id INTEGER, ward_id INTEGER, month VARCHAR, channel VARCHAR,
    closed BOOLEAN, with_target BOOLEAN, within BOOLEAN, days DOUBLE
)
"""


def _append(con: duckdb.DuckDBPyConnection, facts: list[list[Any]]) -> None:
    if not facts[0]:
        return
    columns = {f"c{i}": np.array(values, dtype=object) for i, values in enumerate(facts)}
    con.register("incoming", columns)
    con.execute("INSERT INTO facts SELECT * FROM incoming")
    con.unregister("incoming")
    for values in facts:
        values.clear()


def _file_facts(path: Path, rows: int) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"bytes": path.stat().st_size, "sha256": digest.hexdigest(), "rows": rows}


def _csv_writer(path: Path) -> tuple[Any, Any]:
    handle = path.open("w", newline="", encoding="utf-8")
    # The one CSV writer: a cell starting "=" (a street typed as a formula) is defused.
    return handle, csv_writer(handle)


def _convert(con: duckdb.DuckDBPyConnection, directory: Path, dataset: Dataset) -> None:
    """The dataset's CSV as JSON (an array of objects) and Parquet, typed by its columns;
    empty and withheld CSV cells become null."""
    source = directory / dataset.filename("csv")
    types = ", ".join(f"'{c.name}': '{c.type}'" for c in dataset.columns)
    select = (
        f"SELECT * FROM read_csv('{source}', header = true, columns = {{{types}}}, "  # noqa: S608
        f"nullstr = ['', '{WITHHELD_MARK}'], quote = '\"', escape = '\"', "
        "auto_detect = false, delim = ',', new_line = '\\r\\n')"
    )
    # Row groups capped at 8 MB: with the default of 122,880 rows, the writer's buffers
    # grew with the rows and 2,500,000 requests ran out of a 128 MB limit.
    con.execute(
        f"COPY ({select}) TO '{directory / dataset.filename('parquet')}' "
        "(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE_BYTES '8MB')"
    )
    con.execute(
        f"COPY ({select}) TO '{directory / dataset.filename('json')}' (FORMAT json, ARRAY true)"
    )


def _dictionary(directory: Path, dataset: Dataset) -> int:
    handle, writer = _csv_writer(directory / dataset.dictionary_filename)
    with handle:
        writer.writerow(["column", "type", "description", "open311_name", "withheld_as"])
        for column in dataset.columns:
            writer.writerow(
                [
                    column.name,
                    column.type.lower(),
                    str(column.description),
                    "yes" if column.open311 else "no",
                    f"{WITHHELD_MARK} in CSV, null in JSON and Parquet"
                    if column.count or (column.type == "DOUBLE" and not dataset.request_level)
                    else "",
                ]
            )
    return len(dataset.columns)


def _cell(value: Any) -> Any:
    if value is WITHHELD:
        return WITHHELD_MARK
    return "" if value is None else value


def build_release(
    *,
    council: Council,
    directory: Path,
    threshold: int,
    precision: str,
    request_service_ids: Iterable[int],
    now: dt.datetime,
) -> Built:
    """Write every file of a release into ``directory`` (made empty first)."""
    started = time.monotonic()
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    zone = ZoneInfo(council.time_zone)
    wanted = set(request_service_ids)
    services = {
        pk: _ServiceInfo(code, name, lgsl, visibility, pk in wanted and visibility != "private")
        for pk, code, name, lgsl, visibility in Service.objects.filter(council=council).values_list(
            "pk", "code", "name", "lgsl_code", "visibility"
        )
    }
    places = _Places(council, precision, threshold)
    scratch = directory / ".build"
    scratch.mkdir()
    con = duckdb.connect(str(scratch / "facts.duckdb"))
    con.execute(f"SET memory_limit = '{settings.OPENDATA_MEMORY_LIMIT}'")
    con.execute(f"SET temp_directory = '{scratch}'")
    con.execute("SET threads = 2")
    con.execute("SET preserve_insertion_order = false")
    con.execute(FACTS_DDL)
    built = Built()
    request_rows = 0
    oldest: dt.datetime | None = None
    facts: list[list[Any]] = [[] for _ in range(8)]
    handle, writer = _csv_writer(directory / REQUESTS.filename("csv"))
    try:
        with handle:
            writer.writerow(REQUESTS.column_names)
            for row in requests_for_open_data(council=council):
                service = services[row.service_id]
                closed = row.status in CLOSED_STATUSES
                within = _within(row, closed, now)
                created_local = row.created_at.astimezone(zone)
                if oldest is None or created_local < oldest:
                    oldest = created_local
                days = (
                    round((row.closed_at - row.created_at).total_seconds() / 86400, 2)
                    if closed and row.closed_at is not None
                    else None
                )
                for values, value in zip(
                    facts,
                    (
                        row.service_id,
                        row.ward_id,
                        created_local.strftime("%Y-%m"),
                        row.channel,
                        closed,
                        row.due_at is not None,
                        within,
                        days,
                    ),
                    strict=True,
                ):
                    values.append(value)
                if len(facts[0]) >= CHUNK:
                    _append(con, facts)
                if not (service.request_level and row.public):
                    continue
                ward_code, ward_name = places.ward(row.ward_id)
                address, precision, lat, long = places.place(row, service.visibility)
                writer.writerow(
                    (
                        row.reference,
                        service.code,
                        service.name,
                        "" if service.lgsl is None else service.lgsl,
                        "closed" if closed else "open",
                        (row.closure_category or "closed")
                        if row.status == "closed"
                        else ("fixed" if closed else ""),
                        row.channel,
                        created_local.isoformat(timespec="seconds"),
                        _iso(row.updated_at, zone),
                        _iso(row.closed_at if closed else None, zone),
                        _iso(row.due_at, zone),
                        "" if within is None else ("yes" if within else "no"),
                        ward_code,
                        ward_name,
                        address,
                        precision,
                        "" if lat is None else lat,
                        "" if long is None else long,
                        row.published_text,
                    )
                )
                request_rows += 1
        _append(con, facts)
        built.files[REQUESTS.filename("csv")] = {"rows": request_rows}
        _aggregates(con, directory, services, places, threshold, built)
        for dataset in DATASETS:
            _convert(con, directory, dataset)
            rows = built.files[dataset.filename("csv")]["rows"]
            for fmt in ("csv", "json", "parquet"):
                built.files[dataset.filename(fmt)] = _file_facts(
                    directory / dataset.filename(fmt), rows
                )
            dictionary_rows = _dictionary(directory, dataset)
            built.files[dataset.dictionary_filename] = _file_facts(
                directory / dataset.dictionary_filename, dictionary_rows
            )
    finally:
        con.close()
        shutil.rmtree(scratch, ignore_errors=True)
    built.request_services = sorted(s.code for s in services.values() if s.request_level)
    built.covers_from = oldest.date() if oldest is not None else None
    built.seconds = time.monotonic() - started
    return built


def _aggregates(
    con: duckdb.DuckDBPyConnection,
    directory: Path,
    services: dict[int, _ServiceInfo],
    places: _Places,
    threshold: int,
    built: Built,
) -> None:
    """Counts by service, month and ward, and by service and month, protected together:
    a service's month is one total with two lines adding up to it (wards, channels)."""
    channels = list(Channel.values)
    by_ward: dict[tuple[int, str], list[tuple[int | None, int]]] = defaultdict(list)
    for service_id, month, ward_id, n in con.execute(
        "SELECT service_id, month, ward_id, count(*) FROM facts GROUP BY ALL ORDER BY ALL"
    ).fetchall():
        by_ward[(service_id, month)].append((ward_id, n))
    channel_sql = ", ".join(f"count(*) FILTER (channel = '{channel}')" for channel in channels)
    summary = con.execute(
        "SELECT service_id, month, count(*), count(*) FILTER (closed), "  # noqa: S608
        "count(*) FILTER (closed AND with_target), "
        "count(*) FILTER (closed AND with_target AND within), "
        f"{channel_sql} FROM facts GROUP BY ALL ORDER BY ALL"
    ).fetchall()
    medians = service_month_medians(con)
    ward_rows: list[list[Any]] = []
    service_rows: list[list[Any]] = []
    order = sorted(summary, key=lambda r: (services[r[0]].name.lower(), services[r[0]].code, r[1]))
    for service_id, month, requests, closed, with_target, within, *by_channel in order:
        median = medians.get((service_id, month))
        service = services[service_id]
        wards = sorted(by_ward[(service_id, month)], key=lambda c: places.ward(c[0])[1])
        ward_counts = [n for _ward, n in wards]
        protected = protect(requests, [ward_counts, list(by_channel)], threshold)
        for position, (ward_id, n) in enumerate(wards):
            code, name = places.ward(ward_id)
            ward_rows.append(
                [
                    service.code,
                    service.name,
                    month,
                    code,
                    name,
                    WITHHELD if position in protected.withheld[0] else n,
                ]
            )
        percent = round(100 * within / with_target, 1) if with_target else None
        days = round(median, 1) if median is not None else None
        (figures,) = suppress_rows(
            ["closed", "with_target", "percent", "median"],
            [[closed, with_target, percent, days]],
            Rule(
                counts=("closed",),
                figures_of={"percent": "with_target", "median": "closed"},
            ),
            threshold,
        )
        service_rows.append(
            [
                service.code,
                service.name,
                month,
                WITHHELD if protected.total_withheld else requests,
                figures[0],
                figures[2],
                figures[3],
                *(
                    WITHHELD if position in protected.withheld[1] else n
                    for position, n in enumerate(by_channel)
                ),
            ]
        )
    _write_rows(directory, BY_WARD, ward_rows, built)
    assert list(CHANNEL_COLUMNS) == channels
    _write_rows(directory, BY_SERVICE, service_rows, built)


def service_month_medians(con: duckdb.DuckDBPyConnection) -> dict[tuple[int, str], float]:
    """The median days to resolve of each service's month (closed requests only).

    DuckDB's ``median`` holds every value of a group in memory and cannot spill to disk,
    so its memory grows with the requests (a council of 5,000,000 ran out at a 64 MB
    limit). A grouped count and a sort both spill: the days are counted by value (they
    are rounded to hundredths of a day) and the counts walked in order, a chunk at a
    time, so memory grows only with the distinct values of one service's month."""
    cursor = con.execute(
        "SELECT service_id, month, days, count(*) FROM facts "
        "WHERE closed AND days IS NOT NULL GROUP BY ALL ORDER BY ALL"
    )
    medians: dict[tuple[int, str], float] = {}
    group: tuple[int, str] | None = None
    counted: list[tuple[float, int]] = []
    while rows := cursor.fetchmany(10_000):
        for service_id, month, days, n in rows:
            if (service_id, month) != group:
                if group is not None:
                    medians[group] = median_of_counts(counted)
                group, counted = (service_id, month), []
            counted.append((days, n))
    if group is not None:
        medians[group] = median_of_counts(counted)
    return medians


def median_of_counts(counted: Sequence[tuple[float, int]]) -> float:
    """The median of values given in ascending order with how often each occurs: the
    middle value, or the mean of the two middle values when there is an even number (as
    DuckDB's ``median``)."""
    total = sum(n for _value, n in counted)
    if total < 1:
        raise ValueError("no values")
    low, high = (total - 1) // 2, total // 2  # positions of the middle value(s)
    seen = 0
    below: float | None = None
    for value, n in counted:
        if below is None and seen + n > low:
            below = value
        if seen + n > high:
            return (below + value) / 2 if below is not None else value
        seen += n
    raise AssertionError("unreachable: the counts add up to total")


def _write_rows(
    directory: Path, dataset: Dataset, rows: Sequence[Sequence[Any]], built: Built
) -> None:
    handle, writer = _csv_writer(directory / dataset.filename("csv"))
    with handle:
        writer.writerow(dataset.column_names)
        for row in rows:
            writer.writerow([_cell(v) for v in row])
    built.files[dataset.filename("csv")] = {"rows": len(rows)}
