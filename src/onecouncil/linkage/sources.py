"""Importing a source system's extract (CSV or Parquet) through its saved column mapping.

All or nothing: every row is checked before anything is written, and the first problems
are reported by row number (the header is row 1, as a spreadsheet shows it). Incremental:
a record is matched by the source's own identifier; one whose standard values changed is
updated, one the extract no longer holds is marked gone (kept for the source's retention,
then removed), and one that comes back is live again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onecouncil.cases.access import require
from onecouncil.core.audit import audit_record
from onecouncil.core.models import AuditAction, Membership
from onecouncil.core.permissions import Permission
from onecouncil.core.privacy import PersonalValues, PersonKeys
from onecouncil.linkage.models import (
    SOURCE_SETTINGS,
    SourceImport,
    SourceRecord,
    SourceSystem,
)
from onecouncil.linkage.standardise import phone as standard_phone
from onecouncil.linkage.standardise import standard

MAX_ERRORS = 20


class ImportRefused(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class Imported:
    rows: int = 0
    new: int = 0
    changed: int = 0
    gone: int = 0
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)


def _read(path: Path) -> pd.DataFrame:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        if suffix == ".parquet":
            return pd.read_parquet(path).astype(object).where(lambda f: f.notna(), None)
    except (ValueError, OSError, UnicodeDecodeError) as error:
        message = _("The file could not be read: %(error)s") % {"error": error}
        raise ImportRefused([message]) from None
    raise ImportRefused([_("Give a .csv or .parquet file")])


def _digest(values: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def source_import(
    *, source: SourceSystem, path: Path, imported_by: str = "", file_name: str = ""
) -> Imported:
    """Import ``path`` into ``source``; ``ImportRefused`` (with the rows' problems) and
    nothing written if any row is wrong."""
    frame = _read(path)
    mapping = {f: c for f, c in (source.mapping or {}).items() if c}
    wanted = [source.id_column, *mapping.values()]
    missing = [c for c in dict.fromkeys(wanted) if c not in frame.columns]
    if missing:
        raise ImportRefused(
            [_("The file has no column %(columns)s") % {"columns": ", ".join(missing)}]
        )
    errors: list[str] = []
    incoming: dict[str, dict[str, Any]] = {}
    for number, row in enumerate(frame[list(dict.fromkeys(wanted))].to_dict("records"), start=2):
        key = str(row[source.id_column] or "").strip()
        if not key:
            errors.append(_("Row %(n)s: no %(column)s") % {"n": number, "column": source.id_column})
        elif key in incoming:
            errors.append(
                _("Row %(n)s: %(column)s %(key)s is on an earlier row too")
                % {"n": number, "column": source.id_column, "key": key[:60]}
            )
        else:
            given = {f: row[c] for f, c in mapping.items()}
            values = standard({"unique_id": key, **given})
            values.pop("unique_id")
            if given.get("dob") not in (None, "") and values["dob"] is None:
                errors.append(
                    _("Row %(n)s: %(column)s %(value)s is not a date of birth")
                    % {"n": number, "column": mapping["dob"], "value": str(given["dob"])[:20]}
                )
            incoming[key] = values
        if len(errors) >= MAX_ERRORS:
            errors.append(_("…and perhaps more: correct these first."))
            break
    if errors:
        raise ImportRefused(errors)
    return _store(source, incoming, file_name or path.name, imported_by)


def _store(
    source: SourceSystem, incoming: dict[str, dict[str, Any]], file_name: str, imported_by: str
) -> Imported:
    now = timezone.now()
    done = Imported(rows=len(incoming))
    with transaction.atomic():
        held = {r.source_key: r for r in SourceRecord.objects.filter(source=source)}
        new, changed = [], []
        for key, values in incoming.items():
            digest = _digest(values)
            record = held.get(key)
            if record is None:
                new.append(
                    SourceRecord(
                        source=source,
                        source_key=key,
                        values=values,
                        digest=digest,
                        first_seen_at=now,
                        changed_at=now,
                    )
                )
            elif record.digest != digest or record.gone_at is not None:
                record.values, record.digest, record.gone_at = values, digest, None
                record.changed_at = now
                changed.append(record)
            else:
                done.unchanged += 1
        SourceRecord.objects.bulk_create(new, batch_size=2000)
        SourceRecord.objects.bulk_update(
            changed, ["values", "digest", "gone_at", "changed_at"], batch_size=2000
        )
        gone = [k for k, r in held.items() if k not in incoming and r.gone_at is None]
        SourceRecord.objects.filter(source=source, source_key__in=gone).update(gone_at=now)
        done.new, done.changed, done.gone = len(new), len(changed), len(gone)
        SourceImport.objects.create(
            source=source,
            file_name=file_name[:200],
            imported_at=now,
            imported_by=imported_by[:200],
            rows=done.rows,
            new=done.new,
            changed=done.changed,
            gone=done.gone,
            unchanged=done.unchanged,
        )
    return done


def source_records_expire(*, now: Any = None) -> int:
    """Remove the records each source no longer holds once its retention has passed."""
    now = now or timezone.now()
    removed = 0
    for source in SourceSystem.objects.all():
        cutoff = now - dt.timedelta(days=source.retention_days)
        count, _kinds = SourceRecord.objects.filter(source=source, gone_at__lt=cutoff).delete()
        removed += count
    return removed


def source_records_expire_job() -> int:
    """The worker's job (daily is enough; it is cheap when there is nothing to do)."""
    return source_records_expire()


# --- Privacy: the records as a registered store (core.privacy) ------------------------


def _records_of(keys: PersonKeys) -> QuerySet[SourceRecord]:
    """The council's source records with one of the person's email addresses or phone
    numbers (a record with neither is found through its link to the person, once the
    person index links it)."""
    emails = sorted({e.lower() for e in keys.emails if e})
    phones = sorted({p for p in (standard_phone(k) for k in keys.phones) if p})
    found = Q(values__email__in=emails) if emails else Q(pk__in=[])
    if phones:
        found |= Q(values__phone__in=phones)
    return SourceRecord.objects.filter(found, source__council_id=keys.council_id)


def source_records_erase(keys: PersonKeys) -> int:
    """Forget the person's copies of the council's systems' records. The systems
    themselves hold the originals: the export lists which of them to tell."""
    count, _kinds = _records_of(keys).delete()
    return count


def source_records_export(keys: PersonKeys) -> tuple[str, list[dict[str, Any]]]:
    return (
        "source_systems",
        [
            {
                "system": record.source.name,
                "owner": record.source.owner,
                "lawful_basis": record.source.lawful_basis,
                "their_reference": record.source_key,
                "values": record.values,
                "first_seen": record.first_seen_at.isoformat(),
                "changed": record.changed_at.isoformat(),
                "no_longer_held_since": record.gone_at.isoformat() if record.gone_at else None,
            }
            for record in _records_of(keys).select_related("source").order_by("pk")
        ],
    )


def source_records_held(council_id: int) -> Iterator[PersonalValues]:
    for values in (
        SourceRecord.objects.filter(source__council_id=council_id)
        .values_list("values", flat=True)
        .iterator(chunk_size=2000)
    ):
        names = " ".join(v for v in (values.get("first_name"), values.get("surname")) if v)
        yield PersonalValues(
            names=(names,) if names else (),
            emails=(values["email"],) if values.get("email") else (),
            phones=(values["phone"],) if values.get("phone") else (),
        )


# --- Staff: registering a source and importing its extracts -----------------------------


def sources_for_staff(*, membership: Membership) -> list[SourceSystem]:
    require(membership, Permission.MANAGE_SOURCES)
    return list(
        SourceSystem.objects.filter(council_id=membership.council_id)
        .annotate(live=Count("records", filter=Q(records__gone_at__isnull=True)))
        .order_by("name")
    )


def source_for_staff(*, membership: Membership, source_id: int) -> SourceSystem | None:
    require(membership, Permission.MANAGE_SOURCES)
    return SourceSystem.objects.filter(council_id=membership.council_id, pk=source_id).first()


def source_save(
    *, membership: Membership, values: dict[str, Any], request: Any = None
) -> SourceSystem:
    """Register a source system (or change one: ``values["id"]``), checked as the admin
    checks it; ``ValidationError`` names the fields."""
    require(membership, Permission.MANAGE_SOURCES)
    source = (
        source_for_staff(membership=membership, source_id=values["id"])
        if values.get("id")
        else SourceSystem(council_id=membership.council_id)
    )
    if source is None:
        raise ValidationError(_("There is no such source system"))
    for name in SOURCE_SETTINGS:
        setattr(source, name, values.get(name))
    if source.service is not None and source.service.council_id != membership.council_id:
        raise ValidationError({"service": _("Choose one of this council's services")})
    source.full_clean()
    source.save()
    audit_record(
        council=membership.council,
        user=membership.user,
        action=AuditAction.SOURCE_IMPORT,
        object_type="source_system",
        object_ref=source.name[:100],
        request=request,
        detail={"registered": True, "mapping": source.mapping, "purposes": source.purposes},
    )
    return source


def source_import_for_staff(
    *, membership: Membership, source: SourceSystem, upload: Any, request: Any = None
) -> Imported:
    """Import an uploaded extract (all or nothing: ``ImportRefused`` names the rows)."""
    require(membership, Permission.MANAGE_SOURCES)
    if source.council_id != membership.council_id:
        raise ImportRefused([_("There is no such source system")])
    suffix = Path(upload.name or "").suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise ImportRefused([_("Give a .csv or .parquet file")])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"extract{suffix}"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        done = source_import(
            source=source,
            path=path,
            imported_by=membership.user.get_username(),
            file_name=Path(upload.name).name[:200],
        )
    audit_record(
        council=membership.council,
        user=membership.user,
        action=AuditAction.SOURCE_IMPORT,
        object_type="source_system",
        object_ref=source.name[:100],
        request=request,
        detail={
            "file": Path(upload.name).name[:200],
            "new": done.new,
            "changed": done.changed,
            "gone": done.gone,
            "unchanged": done.unchanged,
        },
    )
    return done
