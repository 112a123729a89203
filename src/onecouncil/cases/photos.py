"""Accepting photos safely: size limit, type checked by content, location stripped.

Every photo is decoded and re-encoded: that proves it is an image of an allowed type
(whatever its name says), turns HEIC into JPEG that every browser shows, applies the
camera's rotation, and leaves behind all metadata, including GPS location.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass

import pillow_heif
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from onecouncil.cases.models import Photo
from onecouncil.core.models import Council

pillow_heif.register_heif_opener()

ALLOWED_FORMATS = {"JPEG": "jpeg", "PNG": "png", "HEIF": "heif"}
MAX_SIDE = 2560
Image.MAX_IMAGE_PIXELS = 60_000_000


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    extension: str
    content_type: str
    width: int
    height: int


def clean_image(data: bytes) -> CleanImage:
    limit_mb = settings.PHOTO_MAX_BYTES // (1024 * 1024)
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise ValidationError(_("The photo must be smaller than %(mb)s MB") % {"mb": limit_mb})
    if not data:
        raise ValidationError(_("The selected file is empty"))
    wrong_type = _("The selected file must be a JPG, PNG or HEIC photo")
    try:
        with Image.open(io.BytesIO(data)) as probe:
            image_format = probe.format or ""
            if image_format not in ALLOWED_FORMATS:
                raise ValidationError(wrong_type)
            probe.load()
            image = ImageOps.exif_transpose(probe)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(wrong_type) from None
    except Image.DecompressionBombError:
        raise ValidationError(_("The photo is too large: use a smaller image")) from None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    if image_format == "PNG":
        image.save(out, format="PNG", optimize=True)
        extension, content_type = "png", "image/png"
    else:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=88, optimize=True)
        extension, content_type = "jpg", "image/jpeg"
    return CleanImage(out.getvalue(), extension, content_type, image.width, image.height)


def photo_add(*, council: Council, draft_key: uuid.UUID, upload: UploadedFile) -> Photo:
    """Check and store a photo for a draft report; raises ValidationError to show the resident."""
    if Photo.objects.filter(draft_key=draft_key, case__isnull=True).count() >= (
        settings.PHOTO_MAX_COUNT
    ):
        raise ValidationError(_("You can add up to %(n)s photos") % {"n": settings.PHOTO_MAX_COUNT})
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
    photo.save()
    return photo


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
