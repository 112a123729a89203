"""Photos of a request sent on, as links its system can fetch (``media_url``).

A link names the photo in a signed, expiring token (``TimestampSigner``): it works for
``LINK_DAYS`` days, which is long enough for a back end to copy it, and never after.
Erasure deletes the photo, so its link stops at once.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from onecouncil.cases.access import photo_of_cases
from onecouncil.cases.models import Photo
from onecouncil.core.links import public_api_url
from onecouncil.sendon.models import Sending

LINK_DAYS = 30
_SALT = "onecouncil.sendon.photo"


def photo_link(photo: Photo) -> str:
    token = signing.TimestampSigner(salt=_SALT).sign(str(photo.pk))
    path = reverse("sent_photo", args=[token])
    return public_api_url(photo.case.council if photo.case else photo.council, path)


def photo_from_link(token: str) -> Photo | None:
    """The photo a link names, while the link is valid and the photo still exists."""
    try:
        pk = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=LINK_DAYS * 86400)
    except signing.BadSignature:
        return None
    # Only a photo of a request that was sent on: the link was made for its system.
    return photo_of_cases(photo_id=int(pk), case_ids=Sending.objects.values("case_id"))
