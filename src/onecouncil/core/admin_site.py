"""The staff admin's site: nothing in it opens without the second factor.

Signing in is the admin's own password form (throttled, ``core.admin``), then the same
two-factor page as the staff pages (``backoffice:two_factor``): a member of staff who has
given a password but no code is sent there, and back to the admin afterwards.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin import AdminSite
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode


def _verified(request: HttpRequest) -> bool:
    is_verified = getattr(request.user, "is_verified", None)
    return bool(is_verified and is_verified())


class TwoFactorAdminSite(AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        return super().has_permission(request) and _verified(request)

    def login(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff and not _verified(request):
            target = request.GET.get("next") or reverse("admin:index", current_app=self.name)
            url = reverse("backoffice:two_factor")
            return redirect(f"{url}?{urlencode({'next': target})}")
        return super().login(request, extra_context)
