"""Photos of a request."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from onecouncil.cases.models.case import Case
from onecouncil.core.models import CouncilOwned


def photo_path(instance: Photo, filename: str) -> str:
    return f"photos/{instance.council_id}/{instance.draft_key}/{filename}"


class Photo(CouncilOwned):
    """A photo a resident uploaded, first to their draft, then to the case it joins."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    draft_key = models.UUIDField(db_index=True)
    # Which of the draft's PHOTO_MAX_COUNT places it fills: unique per draft, so uploads
    # sent at once cannot together pass the limit.
    slot = models.PositiveSmallIntegerField(null=True, blank=True)
    image = models.ImageField(upload_to=photo_path)
    content_type = models.CharField(max_length=40)
    original_name = models.CharField(max_length=200, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["draft_key", "slot"], name="one_photo_per_draft_slot")
        ]
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
