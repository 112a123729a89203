from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def council(request: HttpRequest) -> dict[str, Any]:
    return {
        "council": getattr(request, "council", None),
        "photo_max_mb": settings.PHOTO_MAX_BYTES // (1024 * 1024),
    }
