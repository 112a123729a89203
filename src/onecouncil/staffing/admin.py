"""Memberships in the staff admin: a councillor's wards are chosen from the council's list,
and saving or deleting keeps the one rule for who reaches the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from onecouncil.core.admin import CouncilScopedAdmin
from onecouncil.core.models import Membership, Team
from onecouncil.residents.models import Ward
from onecouncil.staffing.services import (
    StaffInviteError,
    admin_site_access_sync,
    staff_wards_check,
)


class MembershipAdminForm(forms.ModelForm):
    ward_codes = forms.MultipleChoiceField(
        label=_("Wards"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For councillors: the wards they represent."),
    )

    class Meta:
        model = Membership
        fields = ("council", "user", "role", "teams", "ward_codes")

    def __init__(self, *args: Any, council_ids: list[int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wards = Ward.objects.filter(council_id__in=council_ids or []).select_related("council")
        self.fields["ward_codes"].choices = [  # type: ignore[attr-defined]  # a MultipleChoiceField
            (w.code, f"{w.name} ({w.council.name})" if len(council_ids or []) > 1 else w.name)
            for w in wards.order_by("council__name", "name")
        ]

    def clean(self) -> dict[str, Any]:
        # Teams of another council are refused by CouncilScopedAdmin's same-council check.
        data = super().clean() or {}
        council = data.get("council") or (
            self.instance.council if self.instance.council_id else None
        )
        if council is not None and data.get("role"):
            try:
                data["ward_codes"] = staff_wards_check(
                    council, data["role"], list(data.get("ward_codes") or [])
                )
            except StaffInviteError as exc:
                for message in exc.errors.get("wards", []):
                    self.add_error("ward_codes", message)
        return data


@admin.register(Membership)
class MembershipAdmin(CouncilScopedAdmin):
    form = MembershipAdminForm
    list_display = ("user", "council", "role")
    list_filter = ("role",)
    filter_horizontal = ("teams",)
    readonly_fields = ("user", "council")

    def has_add_permission(self, request: HttpRequest) -> bool:
        # New members of staff are invited from the staff pages (People), which makes
        # their user, emails them a link to choose a password and records who did it.
        return False

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "teams":
            kwargs["queryset"] = Team.objects.filter(council_id__in=self.council_ids(request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        base = super().get_form(request, obj, change=change, **kwargs)
        council_ids = self.council_ids(request)

        class ScopedForm(base):  # type: ignore[misc, valid-type]  # a form class made at run time
            def __init__(self, *args: Any, **inner: Any) -> None:
                super().__init__(*args, council_ids=council_ids, **inner)

        return ScopedForm

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        admin_site_access_sync(form.instance.user)

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        user = obj.user
        super().delete_model(request, obj)
        admin_site_access_sync(user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        users = [m.user for m in queryset.select_related("user")]
        super().delete_queryset(request, queryset)
        for user in users:
            admin_site_access_sync(user)


# django-otp registers its devices in the admin, where a superuser could read a
# colleague's TOTP secret (and its QR code) and sign in as them. Second factors are
# managed only through staffing.two_factor: enrolment by the person, reset from People.
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)
