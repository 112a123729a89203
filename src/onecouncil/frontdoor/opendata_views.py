"""The council's open data for anyone: the data page, each dataset's page, the files
(stable and by release, with ``ETag`` and ``Last-Modified``) and the DCAT catalogue.
Only published releases are ever read (``opendata.services.release_public``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from onecouncil.core.models import Council
from onecouncil.frontdoor.http import page, with_council
from onecouncil.opendata.catalogue import (
    as_jsonld,
    as_turtle,
    attribution,
    catalogue_graph,
    schema_org,
)
from onecouncil.opendata.datasets import (
    DATASETS,
    FORMAT_NAMES,
    FORMATS,
    MEDIA_TYPES,
    dataset_for,
)
from onecouncil.opendata.models import LICENCE_URLS, Licence, Release
from onecouncil.opendata.services import (
    ReleaseGone,
    ReleaseNotFound,
    preview_rows,
    published_releases,
    release_file_path,
    release_public,
    settings_for,
)


def _gone(request: HttpRequest, release: Release) -> HttpResponseBase:
    return page(request, "data_gone.html", {"release": release}, status=410)


def _release(
    request: HttpRequest, council: Council, version: str | None
) -> Release | HttpResponseBase:
    """The published release asked for, or the answer when there is none: 404 for one
    that never was (or is not out yet), 410 Gone for one withdrawn or retired."""
    try:
        return release_public(council, version)
    except ReleaseNotFound:
        raise Http404 from None
    except ReleaseGone as gone:
        return _gone(request, gone.release)


def _licence(council: Council) -> dict[str, str]:
    licence = Licence(settings_for(council).licence)
    return {"name": str(licence.label), "url": LICENCE_URLS[licence]}


def _file_path(release: Release, filename: str, versioned: bool) -> str:
    if versioned:
        return reverse(
            "frontdoor:open_data_release_file", args=[release.version.isoformat(), filename]
        )
    return reverse("frontdoor:open_data_file", args=[filename])


def _dataset_context(
    council: Council, release: Release, dataset_id: str, rows: int, versioned: bool = False
) -> dict[str, Any]:
    dataset = dataset_for(dataset_id)
    assert dataset is not None  # ids come from DATASETS
    header, preview = preview_rows(release, dataset.filename("csv"), rows)
    return {
        "dataset": dataset,
        "rows": (release.file(dataset.filename("csv")) or {}).get("rows", 0),
        "header": header,
        "preview": preview,
        "downloads": [
            {
                "fmt": fmt,
                "format_name": FORMAT_NAMES[fmt],
                "filename": dataset.filename(fmt),
                "bytes": (release.file(dataset.filename(fmt)) or {}).get("bytes", 0),
                "url": _file_path(release, dataset.filename(fmt), versioned),
            }
            for fmt in FORMATS
        ],
        "dictionary_url": _file_path(release, dataset.dictionary_filename, versioned),
        "attribution": attribution(council, release.version) if dataset.places else "",
    }


@require_safe
@with_council
def data_home(request: HttpRequest, council: Council) -> HttpResponseBase:
    releases = published_releases(council)
    latest = releases[0] if releases else None
    return page(
        request,
        "data.html",
        {
            "latest": latest,
            "releases": releases,
            "licence": _licence(council),
            "datasets": [_dataset_context(council, latest, d.id, 3) for d in DATASETS]
            if latest
            else [],
        },
    )


@require_safe
@with_council
def dataset_page(request: HttpRequest, council: Council, dataset_id: str) -> HttpResponseBase:
    dataset = dataset_for(dataset_id)
    if dataset is None:
        raise Http404
    version = request.GET.get("version")
    release = _release(request, council, version)
    if not isinstance(release, Release):
        return release
    markup = json.dumps(schema_org(council, settings_for(council), dataset, release))
    item = _dataset_context(council, release, dataset.id, 10, versioned=version is not None)
    return page(
        request,
        "data_dataset.html",
        {
            **item,
            "item": item,
            "release": release,
            "stable": version is None,
            "releases": published_releases(council),
            "licence": _licence(council),
            # JSON inside <script>: "<", ">" and "&" escaped so it cannot end the element.
            "schema_org": mark_safe(  # noqa: S308 - escaped just above
                markup.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            ),
        },
    )


def _harvestable(
    request: HttpRequest,
    etag: str,
    published_at: dt.datetime | None,
    make: Callable[[], HttpResponseBase],
    max_age: int,
) -> HttpResponseBase:
    """A public open data answer: 304 when the harvester already has it (``ETag``,
    ``Last-Modified``), otherwise ``make()`` with those headers, caching and CORS."""
    modified = int(published_at.timestamp()) if published_at else None
    not_modified = get_conditional_response(request, etag=etag, last_modified=modified)
    if not_modified is not None:
        return not_modified
    response = make()
    response["ETag"] = etag
    if modified is not None:
        response["Last-Modified"] = http_date(modified)
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _serve(request: HttpRequest, release: Release, filename: str, stable: bool) -> HttpResponseBase:
    path = release_file_path(release, filename)
    if path is None:
        raise Http404
    fmt = filename.rsplit(".", 1)[-1]

    def make() -> HttpResponseBase:
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=f"{release.council.slug}-{release.version.isoformat()}-{filename}",
            content_type=MEDIA_TYPES[fmt] + ("; charset=utf-8" if fmt in ("csv", "json") else ""),
        )

    # The stable address moves on each day; a release's own address never changes.
    return _harvestable(
        request,
        f'"{(release.file(filename) or {}).get("sha256", "")}"',
        release.published_at,
        make,
        max_age=300 if stable else 86400,
    )


@require_safe
@with_council
def latest_file(request: HttpRequest, council: Council, filename: str) -> HttpResponseBase:
    release = _release(request, council, None)
    if not isinstance(release, Release):
        return release
    return _serve(request, release, filename, stable=True)


@require_safe
@with_council
def release_file(
    request: HttpRequest, council: Council, version: str, filename: str
) -> HttpResponseBase:
    release = _release(request, council, version)
    if not isinstance(release, Release):
        return release
    return _serve(request, release, filename, stable=False)


CATALOGUE_TYPES = {"jsonld": "application/ld+json", "ttl": "text/turtle"}


@require_safe
@with_council
def catalogue(request: HttpRequest, council: Council, fmt: str) -> HttpResponseBase:
    releases = published_releases(council)
    graph = catalogue_graph(council=council, options=settings_for(council), releases=releases)
    body = as_jsonld(graph) if fmt == "jsonld" else as_turtle(graph)
    return _harvestable(
        request,
        '"' + hashlib.sha256(body.encode()).hexdigest() + '"',
        releases[0].published_at if releases else None,
        lambda: HttpResponse(body, content_type=f"{CATALOGUE_TYPES[fmt]}; charset=utf-8"),
        max_age=300,
    )
