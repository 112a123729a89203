"""What a release publishes: three datasets, each with its columns described once.

The descriptions are the data dictionary (published beside each dataset as
``<dataset>-dictionary.csv``), the column types say how the JSON and Parquet files type
them, and ``count`` marks the columns the publication check holds to the threshold.
Request-level columns are named as in Open311 GeoReport v2 where it has a name.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onecouncil.cases.models import Channel
from onecouncil.insight.suppression import WITHHELD

FORMATS = ("csv", "json", "parquet")
MEDIA_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "parquet": "application/vnd.apache.parquet",
}
# How people name each format (file names keep the lower-case extension).
FORMAT_NAMES = {"csv": "CSV", "json": "JSON", "parquet": "Parquet"}
# What CSV files write for a withheld count (the suppression rule's ONS mark); JSON and
# Parquet write null.
WITHHELD_MARK = str(WITHHELD)


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # DuckDB type: VARCHAR, INTEGER, DOUBLE, BOOLEAN
    description: Promise
    count: bool = False
    open311: bool = False


@dataclass(frozen=True)
class Dataset:
    id: str
    title: Promise
    description: Promise
    columns: tuple[Column, ...]
    request_level: bool = False
    places: bool = False  # holds OS-derived places (needs the attribution)
    keywords: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def filename(self, fmt: str) -> str:
        return f"{self.id}.{fmt}"

    @property
    def dictionary_filename(self) -> str:
        return f"{self.id}-dictionary.csv"


def _c(name: str, type_: str, description: Promise, **flags: bool) -> Column:
    return Column(name, type_, description, **flags)


REQUESTS = Dataset(
    id="service-requests",
    title=_("Service requests"),
    description=_(
        "Every request made to a public service: what it was about, how it was made, "
        "when, where (no closer than the street), and how it ended. No names, contact "
        "details, addresses of homes, photos or free text a resident wrote."
    ),
    request_level=True,
    places=True,
    keywords=("service requests", "Open311", "street problems"),
    columns=(
        _c("service_request_id", "VARCHAR", _("The request's reference number."), open311=True),
        _c("service_code", "VARCHAR", _("The service's code."), open311=True),
        _c("service_name", "VARCHAR", _("The service's name."), open311=True),
        _c("lgsl_code", "INTEGER", _("The Local Government Service List code.")),
        _c("status", "VARCHAR", _("open or closed."), open311=True),
        _c(
            "closure_category",
            "VARCHAR",
            _(
                "How a closed request ended: fixed, closed, duplicate, "
                "not_councils_responsibility, no_further_action or internal_referral."
            ),
        ),
        _c("channel", "VARCHAR", _("How the request was made: web, phone, api and so on.")),
        _c(
            "requested_datetime",
            "VARCHAR",
            _("When it was made (ISO 8601, local time)."),
            open311=True,
        ),
        _c("updated_datetime", "VARCHAR", _("When it last changed (ISO 8601)."), open311=True),
        _c("closed_datetime", "VARCHAR", _("When it was closed (ISO 8601).")),
        _c(
            "expected_datetime",
            "VARCHAR",
            _("When it was due under the service's target (ISO 8601)."),
            open311=True,
        ),
        _c(
            "within_target",
            "VARCHAR",
            _(
                "yes if closed by its due time; no if closed late or still open past it; "
                "empty while open and not yet due, or for services without a target."
            ),
        ),
        _c("ward_code", "VARCHAR", _("The ward's GSS code.")),
        _c("ward_name", "VARCHAR", _("The ward's name.")),
        _c(
            "address",
            "VARCHAR",
            _("The street, or the ward where the street is not published."),
            open311=True,
        ),
        _c("location_precision", "VARCHAR", _("street or ward: how precise the place is.")),
        _c(
            "lat",
            "DOUBLE",
            _("Latitude of the middle of the street (WGS84); empty at ward precision."),
            open311=True,
        ),
        _c(
            "long",
            "DOUBLE",
            _("Longitude of the middle of the street (WGS84); empty at ward precision."),
            open311=True,
        ),
        _c(
            "description",
            "VARCHAR",
            _("The request's description, only where staff have read and published it."),
            open311=True,
        ),
    ),
)

BY_WARD = Dataset(
    id="requests-by-ward",
    title=_("Requests by service, ward and month"),
    description=_(
        "How many requests each service received in each ward each month, for every "
        "service, private ones included. Small counts are withheld, and so are enough "
        "others that a withheld count cannot be worked out from the totals."
    ),
    places=True,
    keywords=("service requests", "wards", "demand"),
    columns=(
        _c("service_code", "VARCHAR", _("The service's code.")),
        _c("service_name", "VARCHAR", _("The service's name.")),
        _c("month", "VARCHAR", _("The month the requests were made (YYYY-MM).")),
        _c("ward_code", "VARCHAR", _("The ward's GSS code; empty where no ward was known.")),
        _c("ward_name", "VARCHAR", _("The ward's name.")),
        _c("requests", "INTEGER", _("Requests made; [c] where withheld."), count=True),
    ),
)

_CHANNELS = tuple(Channel.values)

BY_SERVICE = Dataset(
    id="requests-by-service",
    title=_("Service performance by month"),
    description=_(
        "For every service and month: requests made, requests closed, the share closed "
        "within the service's target, the median days to resolve, and how requests were "
        "made (the channel mix). Small counts, and figures of small groups, are withheld."
    ),
    keywords=("service requests", "performance", "channel shift"),
    columns=(
        _c("service_code", "VARCHAR", _("The service's code.")),
        _c("service_name", "VARCHAR", _("The service's name.")),
        _c("month", "VARCHAR", _("The month the requests were made (YYYY-MM).")),
        _c("requests", "INTEGER", _("Requests made; [c] where withheld."), count=True),
        _c(
            "closed",
            "INTEGER",
            _("Of those, how many are closed; [c] where withheld."),
            count=True,
        ),
        _c(
            "within_target_percent",
            "DOUBLE",
            _("Of those closed with a target, the percentage closed in time; [c] withheld."),
        ),
        _c(
            "median_days_to_resolve",
            "DOUBLE",
            _("Median days from made to closed, of those closed; [c] where withheld."),
        ),
        *(
            _c(
                f"channel_{channel}",
                "INTEGER",
                _("Requests made by this channel; [c] where withheld."),
                count=True,
            )
            for channel in _CHANNELS
        ),
    ),
)

DATASETS = (REQUESTS, BY_WARD, BY_SERVICE)
CHANNEL_COLUMNS = {channel: f"channel_{channel}" for channel in _CHANNELS}


def dataset_for(dataset_id: str) -> Dataset | None:
    return next((d for d in DATASETS if d.id == dataset_id), None)


def all_filenames() -> list[str]:
    names = []
    for dataset in DATASETS:
        names += [dataset.filename(fmt) for fmt in FORMATS]
        names.append(dataset.dictionary_filename)
    return names
