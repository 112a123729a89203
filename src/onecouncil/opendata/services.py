"""Releasing open data: settings, building, checking, publishing, withdrawing, retiring.

The worker (``releases_job``) builds each council's release once a day, unless paused,
and publishes it once its hold has passed, if the publication check (``opendata.check``)
found nothing. Administrators see the pending release and its check first, may publish
it at once, withdraw any release, and are offered to withdraw releases that carried
requests of a service since made private. Only published releases are ever served.
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from onecouncil.cases.models import Channel, Open311Closure
from onecouncil.catalogue.models import PUBLIC_VISIBILITIES, Service, ServiceGroup
from onecouncil.core.audit import audit_record
from onecouncil.core.models import AuditAction, Council
from onecouncil.insight.models import settings_for as insight_settings_for
from onecouncil.opendata.build import build_release
from onecouncil.opendata.check import check_release
from onecouncil.opendata.datasets import DATASETS, WITHHELD_MARK, all_filenames
from onecouncil.opendata.models import OpenDataSettings, Release, ReleaseStatus
from onecouncil.places.models import StreetLine
from onecouncil.residents.models import Address, Ward

logger = logging.getLogger(__name__)


class ReleaseError(Exception):
    """Something an administrator asked for cannot be done; the message says why."""


def settings_for(council: Council) -> OpenDataSettings:
    found, _created = OpenDataSettings.objects.get_or_create(council=council)
    return found


def threshold_for(council: Council) -> int:
    """The council's one threshold for published counts (shared with the performance
    page, so that one publication never shows what another withholds)."""
    return insight_settings_for(council).suppression_threshold


def release_dir(release: Release) -> Path:
    return Path(settings.OPENDATA_DIR) / release.council.slug / release.version.isoformat()


def local_today(council: Council, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(council.time_zone)).date()


def request_level_services(council: Council) -> list[Service]:
    """Public services whose requests are published one by one (all, unless withheld)."""
    withheld = set(settings_for(council).withheld_services.values_list("pk", flat=True))
    return [
        service
        for service in Service.objects.filter(
            council=council, visibility__in=PUBLIC_VISIBILITIES
        ).order_by("name")
        if service.pk not in withheld
    ]


def vocabulary(council: Council) -> set[str]:
    """Values the council publishes on purpose that are not about anyone: its services,
    wards and streets, and our own words (see ``opendata.check``)."""
    words: set[str] = {"open", "closed", "yes", "no", "street", "ward", "fixed"}
    for name, code in Service.objects.filter(council=council).values_list("name", "code"):
        words.update((name, code))
    words.update(ServiceGroup.objects.filter(council=council).values_list("name", flat=True))
    for name, code in Ward.objects.filter(council=council).values_list("name", "code"):
        words.update((name, code))
    words.update(StreetLine.objects.filter(council=council).values_list("name", flat=True))
    words.update(
        Address.objects.filter(council=council).values_list("street", flat=True).distinct()
    )
    words.update(Channel.values)
    words.update(Open311Closure.values)
    words.update(["column", "type", "description", "open311_name", "withheld_as"])
    words.add(f"{WITHHELD_MARK} in CSV, null in JSON and Parquet")
    for dataset in DATASETS:
        for column in dataset.columns:
            words.update((column.name, column.type.lower(), str(column.description)))
    return words


@transaction.atomic
def settings_update(
    *,
    council: Council,
    actor: Any,
    paused: bool,
    licence: str,
    location_precision: str,
    keep_releases: int,
    hold_hours: int,
    threshold: int,
    request_level: Iterable[Service],
) -> OpenDataSettings:
    """Change what the council publishes (validated by the form; checked again here)."""
    if threshold < 5:
        raise ReleaseError(_("The smallest count shown can never be below 5."))
    found = settings_for(council)
    found.paused = paused
    found.licence = licence
    found.location_precision = location_precision
    found.keep_releases = keep_releases
    found.hold_hours = hold_hours
    found.full_clean()
    found.save()
    chosen = {s.pk for s in request_level}
    public = Service.objects.filter(council=council, visibility__in=PUBLIC_VISIBILITIES)
    found.withheld_services.set([s for s in public if s.pk not in chosen])
    shared = insight_settings_for(council)
    if shared.suppression_threshold != threshold:
        shared.suppression_threshold = threshold
        shared.full_clean()
        shared.save(update_fields=["suppression_threshold"])
    audit_record(
        council=council,
        user=actor,
        action=AuditAction.OPEN_DATA,
        object_type="open data settings",
        object_ref=council.slug,
        detail={"paused": paused, "threshold": threshold, "precision": location_precision},
    )
    return found


def release_build(*, council: Council, now: dt.datetime | None = None) -> Release:
    """Build today's release and run the publication check on it. A release already
    published today stays; a pending or refused one of today is built again, and so is
    one withdrawn today (its day's addresses then serve the mended files, with new
    ETags; the withdrawal stays in the audit trail)."""
    now = now or timezone.now()
    version = local_today(council, now)
    existing = Release.objects.filter(council=council, version=version).first()
    if existing is not None and existing.status not in (
        ReleaseStatus.PENDING,
        ReleaseStatus.REFUSED,
        ReleaseStatus.WITHDRAWN,
    ):
        raise ReleaseError(_("Today's release has already gone out."))
    if existing is not None and existing.status == ReleaseStatus.WITHDRAWN:
        existing.published_at = existing.ended_at = None
        existing.ended_reason = ""
    options = settings_for(council)
    threshold = threshold_for(council)
    release = existing or Release(council=council, version=version)
    release.threshold = threshold
    directory = release_dir(release)
    built = build_release(
        council=council,
        directory=directory,
        threshold=threshold,
        precision=options.location_precision,
        request_service_ids=[s.pk for s in request_level_services(council)],
        now=now,
    )
    problems = check_release(
        council_id=council.pk,
        directory=directory,
        filenames=all_filenames(),
        threshold=threshold,
        vocabulary=vocabulary(council),
    )
    release.files = built.files
    release.request_services = built.request_services
    release.build_seconds = built.seconds
    release.covers_from = built.covers_from
    release.problems = problems
    release.built_at = now
    release.publish_after = now + dt.timedelta(hours=options.hold_hours)
    release.status = ReleaseStatus.REFUSED if problems else ReleaseStatus.PENDING
    release.save()
    if problems:
        logger.warning("open data release %s refused: %s", release, "; ".join(problems))
    return release


@transaction.atomic
def release_publish(*, release: Release, now: dt.datetime | None = None) -> Release:
    locked = Release.objects.select_for_update().get(pk=release.pk)
    if locked.status != ReleaseStatus.PENDING:
        raise ReleaseError(_("Only a release waiting to go out can be published."))
    if locked.problems:
        raise ReleaseError(_("The publication check refused this release."))
    locked.status = ReleaseStatus.PUBLISHED
    locked.published_at = now or timezone.now()
    locked.save(update_fields=["status", "published_at"])
    _retire(locked.council, locked.published_at)
    return locked


def _end(release: Release, status: str, reason: str, now: dt.datetime) -> None:
    release.status = status
    release.ended_at = now
    release.ended_reason = reason
    release.save(update_fields=["status", "ended_at", "ended_reason"])
    transaction.on_commit(lambda: shutil.rmtree(release_dir(release), ignore_errors=True))


def _retire(council: Council, now: dt.datetime) -> None:
    keep = settings_for(council).keep_releases
    published = Release.objects.filter(council=council, status=ReleaseStatus.PUBLISHED)
    for old in published.order_by("-version")[keep:]:
        _end(old, ReleaseStatus.RETIRED, str(_("Replaced by newer releases.")), now)
    for stale in Release.objects.filter(
        council=council, status__in=(ReleaseStatus.PENDING, ReleaseStatus.REFUSED)
    ).exclude(version=local_today(council, now)):
        if stale.status == ReleaseStatus.PENDING:
            _end(stale, ReleaseStatus.RETIRED, str(_("Superseded before it went out.")), now)
        else:
            shutil.rmtree(release_dir(stale), ignore_errors=True)


@transaction.atomic
def release_withdraw(*, release: Release, actor: object, reason: str) -> Release:
    locked = Release.objects.select_for_update().get(pk=release.pk)
    if locked.status not in (ReleaseStatus.PUBLISHED, ReleaseStatus.PENDING):
        raise ReleaseError(_("This release is not available, so it cannot be withdrawn."))
    reason = reason.strip()
    if not reason:
        raise ReleaseError(_("Say why the release is withdrawn: it is shown to the public."))
    _end(locked, ReleaseStatus.WITHDRAWN, reason[:300], timezone.now())
    audit_record(
        council=locked.council,
        user=actor,
        action=AuditAction.OPEN_DATA,
        object_type="open data release",
        object_ref=locked.version.isoformat(),
        detail={"withdrawn": reason[:300]},
    )
    return locked


def release_request_build(*, council: Council) -> None:
    """Ask the worker to build today's release again (after a refusal, say): building
    reads every request, so it is never done inside a web request."""
    options = settings_for(council)
    if options.paused:
        raise ReleaseError(_("Releases are paused: resume them first."))
    today = local_today(council, timezone.now())
    if Release.objects.filter(
        council=council, version=today, status=ReleaseStatus.PUBLISHED
    ).exists():
        raise ReleaseError(_("Today's release has already gone out; the next is tomorrow."))
    OpenDataSettings.objects.filter(pk=options.pk).update(build_requested_at=timezone.now())


def releases_of(council: Council, limit: int = 30) -> list[Release]:
    """The council's releases of every status, newest first (for administrators)."""
    return list(Release.objects.filter(council=council).order_by("-version")[:limit])


def release_of(council: Council, version: dt.date) -> Release:
    found = Release.objects.filter(council=council, version=version).first()
    if found is None:
        raise ReleaseError(_("There is no such release."))
    return found


def pending_release(council: Council) -> Release | None:
    """The newest release not yet out: waiting, or refused by the check."""
    return (
        Release.objects.filter(
            council=council, status__in=(ReleaseStatus.PENDING, ReleaseStatus.REFUSED)
        )
        .order_by("-version")
        .first()
    )


@dataclass(frozen=True)
class WithdrawalOffer:
    release: Release
    services: list[str]  # names of services now private whose rows it carries


def withdrawal_offers(
    council: Council, services: Iterable[Service] | None = None
) -> list[WithdrawalOffer]:
    """Available releases, oldest first, that carry requests of services no longer public
    (of ``services`` only, when given)."""
    private = Service.objects.filter(council=council).exclude(visibility__in=PUBLIC_VISIBILITIES)
    if services is not None:
        private = private.filter(pk__in=[s.pk for s in services])
    names = dict(private.values_list("code", "name"))
    offers = []
    for release in Release.objects.filter(
        council=council, status__in=(ReleaseStatus.PUBLISHED, ReleaseStatus.PENDING)
    ).order_by("version"):
        carried = [names[code] for code in release.request_services if code in names]
        if carried:
            offers.append(WithdrawalOffer(release, carried))
    return offers


def offer_withdrawal(*, service: Service, before: str) -> list[str]:
    """Told to whoever makes a public service private (``catalogue.registry``):
    the next release leaves its requests out on its own, and the available releases that
    carried them can be withdrawn on the Open data page, which offers it."""
    if before not in PUBLIC_VISIBILITIES:
        return []
    carried = [offer.release.version for offer in withdrawal_offers(service.council, [service])]
    if not carried:
        return []
    days = ", ".join(formats.date_format(day, "j F Y") for day in carried)
    return [
        ngettext(
            "%(service)s is now private, so the next open data release leaves its requests "
            "out. The release of %(days)s carries them: withdraw it on the Open data page "
            "if they should no longer be public.",
            "%(service)s is now private, so the next open data release leaves its requests "
            "out. The releases of %(days)s carry them: withdraw them on the Open data page "
            "if they should no longer be public.",
            len(carried),
        )
        % {"service": service.name, "days": days}
    ]


def releases_job(now: dt.datetime | None = None) -> int:
    """The worker's daily round: build each council's release of the day, then publish
    what has waited long enough and passed its check."""
    now = now or timezone.now()
    done = 0
    for council in Council.objects.filter(is_active=True).order_by("pk"):
        options = settings_for(council)
        if options.paused:
            continue
        try:
            today = Release.objects.filter(council=council, version=local_today(council, now))
            if options.build_requested_at is not None or not today.exists():
                OpenDataSettings.objects.filter(pk=options.pk).update(build_requested_at=None)
                if not today.filter(status=ReleaseStatus.PUBLISHED).exists():
                    release_build(council=council, now=now)
                    done += 1
            for due in Release.objects.filter(
                council=council,
                status=ReleaseStatus.PENDING,
                publish_after__lte=now,
                problems=[],
            ):
                release_publish(release=due, now=now)
                done += 1
        except Exception as exc:
            logger.exception("open data release for %s failed", council.slug)
            OpenDataSettings.objects.filter(pk=options.pk).update(
                last_failure=str(exc)[:2000] or exc.__class__.__name__,
                last_failure_at=now,
            )
        else:
            if options.last_failure:
                OpenDataSettings.objects.filter(pk=options.pk).update(
                    last_failure="", last_failure_at=None
                )
    return done


def preview_rows(
    release: Release, filename: str, limit: int = 5
) -> tuple[list[str], list[list[str]]]:
    """The header and first rows of one of a release's CSV files."""
    path = release_dir(release) / filename
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            rows = [row for _i, row in zip(range(limit), reader, strict=False)]
    except FileNotFoundError:
        return [], []
    return header, rows


# --- Public reads: only published releases, ever -------------------------------------


class ReleaseGone(Exception):
    """The release existed and was withdrawn or retired (410 Gone)."""

    def __init__(self, release: Release) -> None:
        super().__init__(str(release))
        self.release = release


class ReleaseNotFound(Exception):
    pass


def published_releases(council: Council) -> list[Release]:
    """The council's available releases, newest first."""
    return list(
        Release.objects.filter(council=council, status=ReleaseStatus.PUBLISHED)
        .select_related("council")
        .order_by("-version")
    )


def release_public(council: Council, version: str | None) -> Release:
    """The newest published release, or the one of ``version`` (YYYY-MM-DD)."""
    if version is None:
        found = published_releases(council)
        if not found:
            raise ReleaseNotFound
        return found[0]
    try:
        day = dt.date.fromisoformat(version)
    except ValueError:
        raise ReleaseNotFound from None
    release = Release.objects.filter(council=council, version=day).select_related("council").first()
    if release is None or release.status in (ReleaseStatus.PENDING, ReleaseStatus.REFUSED):
        raise ReleaseNotFound
    if release.status != ReleaseStatus.PUBLISHED:
        raise ReleaseGone(release)
    return release


def release_file_path(release: Release, filename: str) -> Path | None:
    """A release's file, only if it is one of the files a release has."""
    if filename not in all_filenames() or release.file(filename) is None:
        return None
    path = release_dir(release) / filename
    return path if path.is_file() else None
