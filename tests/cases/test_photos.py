"""Photos: size limits, type checked by content, location metadata stripped."""

import io
import time
import uuid
from pathlib import Path

import pillow_heif
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from onecouncil.cases.actions import clean_image, photo_add, photo_remove

pillow_heif.register_heif_opener()
GPS_IFD = 0x8825


def jpeg_with_gps(size=(640, 480)) -> bytes:
    image = Image.new("RGB", size, (120, 60, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    exif[0x0112] = 6  # orientation: rotate 90°
    exif[GPS_IFD] = {1: "N", 2: (52.0, 29.0, 10.0), 3: "W", 4: (1.0, 53.0, 25.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def image_bytes(fmt: str, size=(300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(out, format=fmt)
    return out.getvalue()


def test_gps_and_camera_metadata_are_removed_and_rotation_applied():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    cleaned = clean_image(original)
    stored = Image.open(io.BytesIO(cleaned.content))
    assert stored.format == "JPEG"
    assert not stored.getexif()
    assert b"PhoneMaker" not in cleaned.content
    assert (cleaned.width, cleaned.height) == (480, 640)


def test_png_stays_png():
    cleaned = clean_image(image_bytes("PNG"))
    assert cleaned.content_type == "image/png" and cleaned.extension == "png"


def test_heic_is_accepted_and_stored_as_jpeg():
    cleaned = clean_image(image_bytes("HEIF"))
    assert cleaned.content_type == "image/jpeg"
    assert Image.open(io.BytesIO(cleaned.content)).format == "JPEG"


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",
        b"%PDF-1.4 not an image",
        image_bytes("GIF"),
        image_bytes("BMP"),
        jpeg_with_gps()[:200],  # truncated
    ],
)
def test_disguised_or_broken_files_are_refused(data):
    with pytest.raises(ValidationError) as excinfo:
        clean_image(data)
    assert "JPG, PNG or HEIC" in excinfo.value.messages[0]


def test_oversized_photo_is_refused_with_the_limit(settings):
    settings.PHOTO_MAX_BYTES = 1024 * 1024
    with pytest.raises(ValidationError) as excinfo:
        clean_image(b"\xff\xd8" + b"0" * (1024 * 1024 + 1))
    assert "smaller than 1 MB" in excinfo.value.messages[0]


def test_photo_add_stores_a_clean_copy_and_limits_the_count(council, settings):
    settings.PHOTO_MAX_COUNT = 2
    key = uuid.uuid4()
    upload = SimpleUploadedFile("holiday.jpg", jpeg_with_gps(), content_type="image/jpeg")
    photo = photo_add(council=council, draft_key=key, upload=upload)
    with photo.image.open("rb") as handle:
        assert not Image.open(handle).getexif()
    photo_add(
        council=council, draft_key=key, upload=SimpleUploadedFile("b.png", image_bytes("PNG"))
    )
    with pytest.raises(ValidationError) as excinfo:
        photo_add(
            council=council, draft_key=key, upload=SimpleUploadedFile("c.png", image_bytes("PNG"))
        )
    assert "up to 2 photos" in excinfo.value.messages[0]
    photo_remove(draft_key=key, photo_id=photo.pk)
    photo_add(
        council=council, draft_key=key, upload=SimpleUploadedFile("c.png", image_bytes("PNG"))
    )


def test_a_disguised_upload_saves_nothing(council):
    from onecouncil.cases.models import Photo

    with pytest.raises(ValidationError):
        photo_add(
            council=council,
            draft_key=uuid.uuid4(),
            upload=SimpleUploadedFile("cat.jpg", b"MZ\x90\x00 executable"),
        )
    assert not Photo.objects.exists()


def test_abandoned_draft_photos_are_purged_but_sent_ones_kept(council, missed_bin, settings):
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from onecouncil.cases.models import Photo
    from tests.factories import make_case

    old_key, sent_key = uuid.uuid4(), uuid.uuid4()
    abandoned = photo_add(
        council=council, draft_key=old_key, upload=SimpleUploadedFile("a.png", image_bytes("PNG"))
    )
    photo_add(
        council=council, draft_key=sent_key, upload=SimpleUploadedFile("b.png", image_bytes("PNG"))
    )
    make_case(
        missed_bin, answers={"which_bin": "general", "out_by_7am": "no"}, photo_draft_key=sent_key
    )
    Photo.objects.update(
        created_at=timezone.now() - dt.timedelta(days=settings.DRAFT_RETENTION_DAYS + 1)
    )
    path = abandoned.image.path
    call_command("purge_drafts", stdout=io.StringIO())
    assert list(Photo.objects.values_list("draft_key", flat=True)) == [sent_key]
    import os

    assert not os.path.exists(path)


def _png(width, height, mode="L"):
    out = io.BytesIO()
    Image.new(mode, (width, height)).save(out, "PNG")
    return out.getvalue()


def _jpeg(width, height, **options):
    out = io.BytesIO()
    Image.new("RGB", (width, height), "green").save(out, "JPEG", **options)
    return out.getvalue()


@pytest.mark.parametrize(
    ("width", "height", "mode"), [(6000, 5000, "L"), (9000, 9000, "1")], ids=["30MP", "81MP"]
)
def test_images_with_too_many_pixels_are_refused_before_decoding(width, height, mode):
    data = _png(width, height, mode)  # a few KB on disk; hundreds of MB once decoded
    started = time.perf_counter()
    with pytest.raises(ValidationError, match="too many pixels"):
        clean_image(data)
    assert time.perf_counter() - started < 0.5  # refused from the header, nothing decoded


def test_a_48_megapixel_phone_photo_is_decoded_at_a_reduced_scale():
    cleaned = clean_image(_jpeg(8000, 6000))
    assert (cleaned.width, cleaned.height) == (2560, 1920)


def test_jpeg_comments_are_removed_and_multi_picture_jpegs_accepted():
    assert b"where I live" not in clean_image(_jpeg(64, 64, comment=b"where I live")).content
    out = io.BytesIO()
    first, second = Image.new("RGB", (80, 60), "red"), Image.new("RGB", (80, 60), "blue")
    first.save(out, "MPO", save_all=True, append_images=[second])
    cleaned = clean_image(out.getvalue())
    assert cleaned.content_type == "image/jpeg" and (cleaned.width, cleaned.height) == (80, 60)


def test_the_photo_limit_holds_when_uploads_arrive_at_once(transactional_db, council, settings):
    """Eight uploads to one draft at the same moment: no more than the limit are kept
    (each photo takes a numbered place, unique per draft in the database)."""
    import threading

    from django.db import connection

    from onecouncil.cases.models import Photo

    if connection.vendor == "sqlite":
        pytest.skip("SQLite serialises writers; the race needs a server database")
    settings.PHOTO_MAX_COUNT = 3
    key = uuid.uuid4()
    content = image_bytes("PNG")
    barrier = threading.Barrier(8)
    refused: list[str] = []

    def upload(n: int) -> None:
        from django.db import connection as own

        barrier.wait()
        try:
            photo_add(
                council=council, draft_key=key, upload=SimpleUploadedFile(f"{n}.png", content)
            )
        except ValidationError as exc:
            refused.append(exc.messages[0])
        finally:
            own.close()

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kept = Photo.objects.filter(draft_key=key)
    assert kept.count() == 3 and sorted(kept.values_list("slot", flat=True)) == [1, 2, 3]
    assert len(refused) == 5 and all("up to 3 photos" in m for m in refused)


def test_a_photo_refused_for_lack_of_room_leaves_no_file(council, settings):
    settings.PHOTO_MAX_COUNT = 1
    key = uuid.uuid4()
    photo = photo_add(
        council=council, draft_key=key, upload=SimpleUploadedFile("a.png", image_bytes("PNG"))
    )
    folder = Path(photo.image.path).parent
    with pytest.raises(ValidationError):
        photo_add(
            council=council, draft_key=key, upload=SimpleUploadedFile("b.png", image_bytes("PNG"))
        )
    assert [p.name for p in folder.iterdir()] == [Path(photo.image.path).name]


def test_decoding_holds_to_the_process_budget_under_concurrent_uploads(settings):
    """Eight large photos at once are decoded within the process's pixel budget (so
    memory is bounded by the budget, not the number of uploads), and all are kept."""
    import threading

    from onecouncil.cases.actions import photos

    out = io.BytesIO()
    Image.new("RGB", (3000, 3000), "white").save(out, "PNG")  # 9 MP, a few KB
    data = out.getvalue()
    settings.PHOTO_DECODE_BUDGET_PIXELS = 20_000_000
    photos.DECODING.peak = 0
    done: list[object] = []

    def upload() -> None:
        done.append(photos.clean_image(data))

    threads = [threading.Thread(target=upload) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(done) == 8
    assert 9_000_000 <= photos.DECODING.peak <= 20_000_000


def test_a_photo_that_waits_too_long_for_the_budget_is_asked_to_try_again(settings):
    from onecouncil.cases.actions import photos

    settings.PHOTO_DECODE_BUDGET_PIXELS = 1_000
    settings.PHOTO_DECODE_WAIT_SECONDS = 0.05
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "white").save(out, "PNG")
    with photos.DECODING.share(1_000), pytest.raises(ValidationError, match="try again"):
        photos.clean_image(out.getvalue())
