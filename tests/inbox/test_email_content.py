"""What an email carries beyond its words: photos and other attachments, the place it
names, and the thread it replies to."""

from __future__ import annotations

import io
import random
from email.message import EmailMessage

from django.core import mail as outbox
from PIL import Image

from onecouncil.cases.models import Case, CaseEvent, EventKind
from onecouncil.inbox.maildir import maildir_job
from onecouncil.inbox.models import InboundMessage, MessageStatus
from onecouncil.notify.services import outbox_process
from tests.factories import AddressFactory
from tests.inbox.conftest import drop, email


def jpeg(size=(320, 240), seed=1):
    noise = random.Random(seed)
    image = Image.new("RGB", size)
    image.putdata([tuple(noise.randrange(256) for _ in range(3)) for _ in range(size[0] * size[1])])
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def with_attachments(*files, body="Fly-tipping behind the shops, photo attached."):
    message = EmailMessage()
    message["From"] = "Ann Lee <ann@example.com>"
    message["To"] = "report@riverbend.example"
    message["Subject"] = "Rubbish dumped"
    message["Message-ID"] = "<att@mail.example>"
    message.set_content(body)
    for name, content, maintype, subtype in files:
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def notes_of(case):
    return " ".join(
        CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).values_list("message", flat=True)
    )


def test_an_attached_photo_becomes_the_requests_photo(council, inbox_service):
    drop(council, with_attachments(("IMG_0412.jpg", jpeg(), "image", "jpeg")))
    maildir_job()
    case = Case.objects.get()
    photos = list(case.photos.all())
    assert len(photos) == 1 and photos[0].content_type == "image/jpeg"
    assert photos[0].original_name == "IMG_0412.jpg"


def test_other_attachments_and_refused_images_are_noted_for_staff(council, inbox_service):
    drop(
        council,
        with_attachments(
            ("letter.pdf", b"%PDF-1.4 " + b"x" * 5000, "application", "pdf"),
            ("broken.jpg", b"not really a jpeg" * 400, "image", "jpeg"),
            ("logo.png", b"\x89PNG tiny", "image", "png"),
            ("photo.jpg", jpeg(), "image", "jpeg"),
        ),
    )
    maildir_job()
    case = Case.objects.get()  # a bad attachment never costs the request
    assert case.photos.count() == 1
    notes = notes_of(case)
    assert "letter.pdf (application/pdf" in notes
    assert "broken.jpg not added as a photo" in notes
    assert "logo.png kept with the email" in notes
    assert InboundMessage.objects.get().status == MessageStatus.REQUEST


def test_more_images_than_a_request_may_have_are_noted(council, inbox_service, settings):
    settings.PHOTO_MAX_COUNT = 2
    drop(
        council, with_attachments(*[(f"{n}.jpg", jpeg(seed=n), "image", "jpeg") for n in range(3)])
    )
    maildir_job()
    case = Case.objects.get()
    assert case.photos.count() == 2
    assert "2.jpg not added as a photo" in notes_of(case)


def test_an_address_named_in_the_email_is_the_place(council, inbox_service):
    AddressFactory(
        council=council, line1="12 Orchard Way", street="Orchard Way", postcode="RB3 9XY"
    )
    drop(council, email(body="Bin not emptied at 12 Orchard Way, rb39xy, since Monday."))
    maildir_job()
    case = Case.objects.get()
    assert case.address.line1 == "12 Orchard Way"


def test_a_postcode_or_street_alone_places_it_at_their_middle(council, inbox_service):
    AddressFactory(
        council=council, line1="3 Orchard Way", street="Orchard Way", latitude=52.5, longitude=-1.9
    )
    AddressFactory(
        council=council, line1="5 Orchard Way", street="Orchard Way", latitude=52.6, longitude=-1.8
    )
    drop(council, email(body="Streetlight out on orchard way near the bus stop"))
    maildir_job()
    case = Case.objects.get()
    assert case.address is None
    assert (round(case.latitude, 2), round(case.longitude, 2)) == (52.55, -1.85)
    assert "Orchard Way" in case.location_description


def test_a_place_the_gazetteer_does_not_know_leaves_it_for_staff(council, inbox_service):
    drop(council, email(body="Pothole on Nowhere Road, ZZ9 9ZZ"))
    maildir_job()
    case = Case.objects.get()
    assert case.address is None and case.latitude is None


def test_a_reply_to_our_email_joins_the_request_without_the_reference(council, inbox_service):
    drop(council, email())
    maildir_job()
    case = Case.objects.get()
    outbox_process()
    ours = outbox.outbox[-1].extra_headers["Message-ID"]
    assert ours.startswith("<notification-")
    drop(
        council,
        email(
            body="Thanks, it was the green bin.",
            subject="Re: thank you",
            message_id="<4@mail.example>",
            In_Reply_To=ours,
        ),
        "4.eml",
    )
    maildir_job()
    assert Case.objects.count() == 1
    assert "green bin" in notes_of(case)


def test_a_reply_to_another_councils_email_is_not_taken_as_ours(
    council, other_council, inbox_service
):
    drop(council, email())
    maildir_job()
    outbox_process()
    ours = outbox.outbox[-1].extra_headers["Message-ID"]
    forged = ours.replace(f".{council.pk}@", f".{other_council.pk}@")
    drop(
        council,
        email(subject="Re: hello", message_id="<5@mail.example>", In_Reply_To=forged),
        "5.eml",
    )
    maildir_job()
    assert Case.objects.count() == 2


def test_staff_answer_the_sender_by_email_and_their_reply_comes_back(
    client, council, inbox_service
):
    from onecouncil.core.models import Role
    from tests.backoffice_helpers import staff

    drop(council, email())
    maildir_job()
    case = Case.objects.get()
    outbox_process()
    client.force_login(staff(council, Role.CASE_OFFICER))
    client.post(
        f"/riverbend/staff/cases/{case.reference}/update/",
        {"kind": "message", "message": "Which bin was it?"},
    )
    outbox_process()
    sent = outbox.outbox[-1]
    assert sent.to == ["ann@example.com"] and "Which bin was it?" in sent.body
    drop(
        council,
        email(
            body="The green one.",
            subject=sent.subject,
            message_id="<6@mail.example>",
            In_Reply_To=sent.extra_headers["Message-ID"],
        ),
        "6.eml",
    )
    maildir_job()
    assert Case.objects.count() == 1 and "The green one." in notes_of(case)


def test_a_street_is_found_whatever_its_case_and_full_stops(council, inbox_service):
    AddressFactory(council=council, line1="1 St Mary's Road", street="St Mary's Road")
    drop(council, email(body="Broken glass all over st. mary's road. Please sweep it."))
    maildir_job()
    assert "St Mary's Road" in Case.objects.get().location_description
