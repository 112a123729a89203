"""Staff admin. Council administrators see and edit only their own councils' rows."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onecouncil.core.models import Council, CouncilHostname, Team
from onecouncil.core.selectors import councils_administered_by
from onecouncil.core.signin import Throttled, signin_attempt


class CouncilScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin for council-owned rows: each administrator sees only their councils.

    ``other_council_fields`` names relations that point at another council on purpose
    (a service handled by the county): the admin gives their own choices and the
    same-council rule leaves them alone."""

    other_council_fields: tuple[str, ...] = ()

    def council_ids(self, request: HttpRequest) -> list[int]:
        return councils_administered_by(request.user)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(council_id__in=self.council_ids(request))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff and self.council_ids(request))

    def _may(self, request: HttpRequest, obj: Model | None) -> bool:
        if not self.has_module_permission(request):
            return False
        return obj is None or getattr(obj, "council_id", None) in self.council_ids(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may(request, None)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may(request, obj)

    def _scoped(self, db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> None:
        """Every choice of a related row is limited to the administrator's councils: a
        council's rows (services, wards, teams...), and staff who work for them."""
        ids = self.council_ids(request)
        related = db_field.related_model
        if related is Council:
            kwargs["queryset"] = Council.objects.filter(id__in=ids)
        elif _council_owned(related):
            kwargs["queryset"] = related._default_manager.filter(council_id__in=ids)
        elif related is get_user_model():
            kwargs["queryset"] = related._default_manager.filter(
                memberships__council_id__in=ids
            ).distinct()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name not in self.other_council_fields:
            self._scoped(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        self._scoped(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """A new row's council is chosen already for an administrator of one council."""
        initial: dict[str, Any] = dict(super().get_changeform_initial_data(request))
        ids = self.council_ids(request)
        if len(ids) == 1 and _council_owned(self.model):
            initial.setdefault("council", ids[0])
        return initial

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        base = super().get_form(request, obj, change=change, **kwargs)
        admin_class = self

        class SameCouncilForm(base):  # type: ignore[misc, valid-type]  # a form class made at run time
            def clean(self) -> Any:
                data = super().clean()
                same_council_errors(self, skip=admin_class.other_council_fields)
                return data

        return SameCouncilForm


def _council_owned(model: Any) -> bool:
    return model is not None and any(
        getattr(f, "name", "") == "council" for f in model._meta.get_fields()
    )


def same_council_errors(form: Any, skip: tuple[str, ...] = ()) -> None:
    """On save, every related row a form names must belong to the same council as the row
    itself (a routing rule for Riverbend's potholes cannot name a Northfield team)."""
    council = form.cleaned_data.get("council") or getattr(form.instance, "council", None)
    if council is None:
        return
    for name, value in list(form.cleaned_data.items()):
        if name == "council" or name in skip or value is None:
            continue
        values = (
            list(value) if hasattr(value, "__iter__") and not isinstance(value, str) else [value]
        )
        for item in values:
            owner = getattr(item, "council_id", None)
            if owner is not None and owner != council.pk and _council_owned(type(item)):
                form.add_error(
                    name, _("Choose one of %(council)s's own") % {"council": council.name}
                )
                break


class HostnameInline(admin.TabularInline):
    model = CouncilHostname
    extra = 0


@admin.register(Council)
class CouncilAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "reference_prefix", "is_active")
    inlines = [HostnameInline]
    # The settings an administrator looks for, grouped; every other field follows.
    GROUPS = (
        (_("Contact"), ("phone", "opening_hours", "email", "website", "postal_address")),
        (
            _("Maps"),
            ("map_tiles_url", "map_tiles_attribution", "geography_attribution"),
        ),
        (_("Public pages"), ("publish_descriptions_automatically",)),
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_fields(request, obj))
        grouped = [(title, [f for f in names if f in fields]) for title, names in self.GROUPS]
        taken = {f for _title, names in grouped for f in names}
        return [
            (None, {"fields": [f for f in fields if f not in taken]}),
            *((title, {"fields": names}) for title, names in grouped if names),
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Council]:
        return super().get_queryset(request).filter(id__in=councils_administered_by(request.user))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_staff and councils_administered_by(request.user))

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        ids = councils_administered_by(request.user)
        return bool(request.user.is_staff and ids and (obj is None or obj.pk in ids))

    has_change_permission = has_view_permission

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(Team)
class TeamAdmin(CouncilScopedAdmin):
    list_display = ("name", "council", "email")
    prepopulated_fields = {"slug": ("name",)}


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    """The staff admin's sign-in goes through the same throttle as the staff pages'
    (``core.signin.signin_attempt``): five wrong passwords for one account, or twenty from
    one address, in 15 minutes, and further attempts are refused for that window."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            assert self.request is not None
            try:
                self.user_cache = signin_attempt(  # type: ignore[assignment]  # signin_attempt returns the authenticated user
                    request=self.request, username=username, password=password
                )
            except Throttled:
                raise ValidationError(
                    _(
                        "Too many attempts to sign in. Wait 15 minutes and try again, or "
                        "ask another administrator to reset your password."
                    ),
                    code="throttled",
                ) from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


admin.site.login_form = ThrottledAdminLoginForm
