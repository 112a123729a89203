"""Accepting photos safely: size limit, type checked by content, location stripped.

Every photo is decoded and re-encoded: that proves it is an image of an allowed type
(whatever its name says), turns HEIC into JPEG that every browser shows, applies the
camera's rotation, and leaves behind all metadata, including GPS location.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import threading
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pillow_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from onecouncil.cases.actions._common import WorkflowError, locked, staff_action
from onecouncil.cases.events import event_append
from onecouncil.cases.models import (
    Case,
    EventKind,
    Photo,
)
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council
from onecouncil.core.permissions import Permission

pillow_heif.register_heif_opener()

# MPO is the multi-picture JPEG many phones write; its first picture is the photo.
ALLOWED_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "HEIF": "heif"}
MAX_SIDE = 2560
# Decoding costs width x height x 4 bytes or so. The size is read from the header and
# anything larger refused before a single pixel is decoded; JPEGs are decoded at a
# reduced scale first (draft mode), so a 48-megapixel phone photo costs a quarter.
MAX_PIXELS = 25_000_000
# Pillow's own guard only warns below twice this; ours above comes first.
Image.MAX_IMAGE_PIXELS = 2 * MAX_PIXELS


class DecodeBudget:
    """How many pixels this process may hold decoded at once, across its threads: a
    photo waits for its share before a pixel is decoded, so eight large uploads at once
    cost the memory of a few, not eight (``PHOTO_DECODE_BUDGET_PIXELS``; a photo waits at
    most ``PHOTO_DECODE_WAIT_SECONDS``, then the resident is asked to try again). The
    budget never refuses a photo alone: one over it waits for the process to be idle."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._in_use = 0
        self.peak = 0  # the most ever held at once, for the tests and the benchmark

    @contextmanager
    def share(self, pixels: int) -> Iterator[None]:
        budget = settings.PHOTO_DECODE_BUDGET_PIXELS
        wanted = min(pixels, budget)
        with self._lock:
            if not self._lock.wait_for(
                lambda: self._in_use + wanted <= budget,
                timeout=settings.PHOTO_DECODE_WAIT_SECONDS,
            ):
                raise ValidationError(
                    _("We are busy handling other photos: please try again in a minute")
                )
            self._in_use += wanted
            self.peak = max(self.peak, self._in_use)
        try:
            yield
        finally:
            with self._lock:
                self._in_use -= wanted
                self._lock.notify_all()


DECODING = DecodeBudget()


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    extension: str
    content_type: str
    width: int
    height: int
    # Where the camera said it was, read before the metadata is left behind: it may
    # place the pin for the resident, and is never stored with the photo.
    location: tuple[float, float] | None = None


GPS_IFD = 0x8825


def _degrees(value: object, ref: object, negative: str) -> float | None:
    try:
        d, m, s = (float(part) for part in value)  # type: ignore[attr-defined]  # EXIF rationals
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    degrees = d + m / 60 + s / 3600
    if not math.isfinite(degrees):
        return None
    return -degrees if str(ref).strip().upper() == negative else degrees


def gps_location(image: Image.Image) -> tuple[float, float] | None:
    """The latitude and longitude in a photo's EXIF GPS data, if it has any that make
    sense (a phone with location turned off writes none)."""
    try:
        gps = image.getexif().get_ifd(GPS_IFD)
    except Exception:  # a damaged EXIF block is no location, not a refused photo
        return None
    if not gps or 2 not in gps or 4 not in gps:
        return None
    latitude = _degrees(gps[2], gps.get(1, "N"), "S")
    longitude = _degrees(gps[4], gps.get(3, "E"), "W")
    if latitude is None or longitude is None:
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude, longitude) == (0, 0):
        return None
    return (round(latitude, 6), round(longitude, 6))


def clean_image(data: bytes) -> CleanImage:
    limit_mb = settings.PHOTO_MAX_BYTES // (1024 * 1024)
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise ValidationError(_("The photo must be smaller than %(mb)s MB") % {"mb": limit_mb})
    if not data:
        raise ValidationError(_("The selected file is empty"))
    wrong_type = _("The selected file must be a JPG, PNG or HEIC photo")
    too_big = _("The photo has too many pixels: use a smaller image, up to 25 megapixels")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                image_format = probe.format or ""
                if image_format not in ALLOWED_FORMATS:
                    raise ValidationError(wrong_type)
                if ALLOWED_FORMATS[image_format] == "jpeg":
                    probe.draft("RGB", (MAX_SIDE, MAX_SIDE))
                width, height = probe.size
                if width * height > MAX_PIXELS:
                    raise ValidationError(too_big)
                with DECODING.share(width * height):
                    # Inside the budget: reading a PNG's EXIF decodes the whole image.
                    location = gps_location(probe)
                    return _reencoded(probe, image_format, location)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(too_big) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(wrong_type) from None


def _reencoded(
    image: Image.Image, image_format: str, location: tuple[float, float] | None
) -> CleanImage:
    """The photo decoded once, turned upright and shrunk in place (no second full-size
    copy), and encoded again without its metadata."""
    image.load()
    ImageOps.exif_transpose(image, in_place=True)
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    image.info = {}  # no comments, text chunks or profiles carried over
    out = io.BytesIO()
    if image_format == "PNG":
        image.save(out, format="PNG", optimize=True)
        extension, content_type = "png", "image/png"
    else:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=88, optimize=True)
        extension, content_type = "jpg", "image/jpeg"
    return CleanImage(out.getvalue(), extension, content_type, image.width, image.height, location)


def photo_add(*, council: Council, draft_key: uuid.UUID, upload: UploadedFile) -> Photo:
    """Check and store a photo for a draft report; raises ValidationError to show the resident."""
    return photo_add_placed(council=council, draft_key=draft_key, upload=upload)[0]


def photo_add_placed(
    *, council: Council, draft_key: uuid.UUID, upload: UploadedFile
) -> tuple[Photo, tuple[float, float] | None]:
    """``photo_add``, also giving where the photo was taken (from its EXIF GPS data, read
    before it is re-encoded without it), for the place step.

    The draft's limit holds under uploads sent at once: each photo takes a numbered slot,
    unique per draft in the database, and one that finds every slot taken is refused."""
    full = ValidationError(_("You can add up to %(n)s photos") % {"n": settings.PHOTO_MAX_COUNT})
    if not _free_slots(draft_key):
        raise full
    if upload.size is not None and upload.size > settings.PHOTO_MAX_BYTES:
        raise ValidationError(
            _("The photo must be smaller than %(mb)s MB")
            % {"mb": settings.PHOTO_MAX_BYTES // (1024 * 1024)}
        )
    cleaned = clean_image(upload.read(settings.PHOTO_MAX_BYTES + 1))
    photo = Photo(
        council=council,
        draft_key=draft_key,
        content_type=cleaned.content_type,
        original_name=(upload.name or "")[:200],
        width=cleaned.width,
        height=cleaned.height,
        size=len(cleaned.content),
    )
    photo.image.save(
        f"{uuid.uuid4().hex}.{cleaned.extension}", ContentFile(cleaned.content), save=False
    )
    for _attempt in range(settings.PHOTO_MAX_COUNT):
        free = _free_slots(draft_key)
        if not free:
            break
        photo.slot = free[0]
        try:
            with transaction.atomic():
                photo.save()
        except IntegrityError:  # another upload took the slot first
            photo.pk = None
            continue
        return photo, cleaned.location
    photo.image.delete(save=False)
    raise full


def _free_slots(draft_key: uuid.UUID) -> list[int]:
    held = list(
        Photo.objects.filter(draft_key=draft_key, case__isnull=True).values_list("slot", flat=True)
    )
    # Photos from before slots existed fill the lowest free places.
    taken = {slot for slot in held if slot is not None}
    free = [n for n in range(1, settings.PHOTO_MAX_COUNT + 1) if n not in taken]
    return free[: max(len(free) - sum(slot is None for slot in held), 0)]


@transaction.atomic
def photos_hand_over(
    *, from_council_id: int, draft_key: uuid.UUID, to_council: Council, to_draft_key: uuid.UUID
) -> int:
    """A draft's photos go with it to the council whose area the place is in (a hand-off):
    they become that council's, on the draft made there. Returns how many went."""
    return Photo.objects.filter(
        council_id=from_council_id, draft_key=draft_key, case__isnull=True
    ).update(council=to_council, draft_key=to_draft_key)


def photo_remove(*, draft_key: uuid.UUID, photo_id: int) -> None:
    for photo in Photo.objects.filter(draft_key=draft_key, case__isnull=True, id=photo_id):
        photo.image.delete(save=False)
        photo.delete()


def photos_purge_abandoned(*, older_than: dt.timedelta) -> int:
    """Delete photos uploaded to reports that were never sent; returns how many."""
    cutoff = timezone.now() - older_than
    count = 0
    for photo in Photo.objects.filter(case__isnull=True, created_at__lt=cutoff).iterator():
        photo.image.delete(save=False)
        photo.delete()
        count += 1
    return count


@staff_action(Permission.PUBLIC_UPDATE)
@transaction.atomic
def case_show_photos(*, case: Case, actor: Actor, shown: bool) -> Case:
    """A member of staff has looked at the photos (faces, number plates) and shows them on
    the public page, or hides them again. Each is an event."""
    if not case.service.is_public:
        raise WorkflowError(_("This is a private request: nothing about it is public"))
    case = locked(case)
    if shown == (case.photos_published_at is not None):
        return case
    if shown and not Photo.objects.filter(case=case).exists():
        raise WorkflowError(_("This request has no photos"))
    case.photos_published_at = timezone.now() if shown else None
    case.save(update_fields=["photos_published_at", "updated_at"])
    event_append(
        case=case,
        kind=EventKind.NOTE,
        is_public=False,
        actor=actor,
        message=_("Photos shown to the public") if shown else _("Photos hidden from the public"),
        data={"photos_shown": shown},
    )
    return case


def client_photos(council: Council, uploads: Sequence[tuple[str, UploadedFile]]) -> list[Photo]:
    """Photos an API client sent, checked and stored as one draft (so the draft's limit
    holds); ``ValidationError`` naming the field of the first bad one."""
    draft = uuid.uuid4()
    photos = []
    for field, upload in uploads:
        try:
            photos.append(photo_add(council=council, draft_key=draft, upload=upload))
        except ValidationError as exc:
            raise ValidationError({field: exc.messages}) from None
    return photos


def client_photos_draft(
    *, council: Council, uploads: Sequence[tuple[str, UploadedFile]]
) -> uuid.UUID | None:
    """Store the photos an API client sent with a new request, as a draft ``case_create``
    attaches (``photo_draft_key``); None when none were sent (and nothing is touched).
    ``ValidationError`` naming the field of the first bad one, before anything else is
    written."""
    if not uploads:
        return None
    with transaction.atomic():
        photos = client_photos(council, uploads)
    return photos[0].draft_key if photos else None


@staff_action(Permission.INTERNAL_NOTE)
@transaction.atomic
def case_add_photo(*, case: Case, upload: UploadedFile, actor: Actor) -> Photo:
    """An officer adds a photo (from site, say). Checked and cleaned like a resident's."""
    photo = photo_add(council=case.council, draft_key=uuid.uuid4(), upload=upload)
    photo.case = case
    photo.save(update_fields=["case"])
    event_append(
        case=case,
        kind=EventKind.NOTE,
        is_public=False,
        actor=actor,
        message=_("Photo added"),
        data={"photo_id": photo.pk},
    )
    return photo
