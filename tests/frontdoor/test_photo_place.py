"""A photo's location places the pin: read from its EXIF GPS data before the photo is
re-encoded, and the stored photo has none."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from onecouncil.cases.actions import GPS_IFD, clean_image
from onecouncil.cases.models import Photo
from tests.frontdoor.test_journey import BASE, answer_questions


def jpeg_with_gps(lat=(52.0, 29.0, 10.8), lat_ref="N", lon=(1.0, 53.0, 25.4), lon_ref="W") -> bytes:
    image = Image.new("RGB", (64, 48), "grey")
    exif = Image.Exif()
    exif[GPS_IFD] = {1: lat_ref, 2: lat, 3: lon_ref, 4: lon}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


def test_the_location_is_read_and_left_behind():
    cleaned = clean_image(jpeg_with_gps())
    assert cleaned.location == (52.486333, -1.890389)
    with Image.open(io.BytesIO(cleaned.content)) as stored:
        assert not stored.getexif().get_ifd(GPS_IFD)
    south_east = clean_image(jpeg_with_gps(lat_ref="S", lon_ref="E"))
    assert south_east.location == (-52.486333, 1.890389)
    assert clean_image(jpeg_with_gps(lat=(0.0, 0.0, 0.0), lon=(0.0, 0.0, 0.0))).location is None
    assert clean_image(jpeg_with_gps(lat=(95.0, 0.0, 0.0))).location is None
    plain = io.BytesIO()
    Image.new("RGB", (8, 8)).save(plain, format="JPEG")
    assert clean_image(plain.getvalue()).location is None


def test_the_place_step_puts_the_pin_where_the_photo_was_taken(client, council, missed_bin):
    from onecouncil.catalogue.models import Question

    Question.objects.create(
        service=missed_bin, code="photo", label="A photo", kind="photo", required=False, order=9
    )
    answer_questions(client)
    page = client.get(f"{BASE}/location/").text
    assert "Use where a photo was taken" in page and 'enctype="multipart/form-data"' in page
    placed = client.post(
        f"{BASE}/location/",
        {
            "action": "photo",
            "photo": SimpleUploadedFile("pothole.jpg", jpeg_with_gps(), "image/jpeg"),
        },
    )
    assert placed.status_code == 200
    assert "We have put the pin where your photo was taken" in placed.text
    assert 'value="52.486333"' in placed.text and 'value="-1.890389"' in placed.text
    photo = Photo.objects.get()
    with Image.open(photo.image.path) as stored:
        assert not stored.getexif().get_ifd(GPS_IFD)
    plain = io.BytesIO()
    Image.new("RGB", (8, 8)).save(plain, format="JPEG")
    unplaced = client.post(
        f"{BASE}/location/",
        {"action": "photo", "photo": SimpleUploadedFile("p.jpg", plain.getvalue(), "image/jpeg")},
    )
    assert (
        "does not say where it was taken" in unplaced.text
        and "govuk-error-summary" in unplaced.text
    )
    assert Photo.objects.count() == 2  # kept with the report all the same
    missing = client.post(f"{BASE}/location/", {"action": "photo"})
    assert "Select a photo to upload" in missing.text
