from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onecouncil.cases.actions.geography import council_geography_load
from onecouncil.cases.models import ClosureReason, ResponseTemplate, RoutingRule
from onecouncil.core.admin import CouncilScopedAdmin
from onecouncil.core.audit import audit_record
from onecouncil.core.models import Council
from onecouncil.places.imports import OS_NOTICE, PlacesImportError
from onecouncil.places.models import CouncilBoundary


@admin.register(RoutingRule)
class RoutingRuleAdmin(CouncilScopedAdmin):
    list_display = ("service", "ward", "team", "council")
    list_filter = ("council",)


@admin.register(ResponseTemplate)
class ResponseTemplateAdmin(CouncilScopedAdmin):
    list_display = ("name", "service", "council")
    search_fields = ("name", "body")


@admin.register(ClosureReason)
class ClosureReasonAdmin(CouncilScopedAdmin):
    list_display = ("label", "code", "open311_status", "is_active", "order", "council")
    list_editable = ("is_active", "order")


class GeographyForm(forms.Form):
    council = forms.ModelChoiceField(queryset=Council.objects.none(), label=gettext_lazy("Council"))
    wards = forms.FileField(
        label=gettext_lazy("Ward boundaries"),
        required=False,
        help_text=gettext_lazy("GeoJSON with WD..CD and WD..NM properties, WGS84 or EPSG:27700."),
    )
    boundary = forms.FileField(
        label=gettext_lazy("The council's own boundary (optional)"),
        required=False,
        help_text=gettext_lazy("Without it, the council's area is the union of its wards."),
    )
    streets = forms.FileField(
        label=gettext_lazy("Street lines"),
        required=False,
        help_text=gettext_lazy("GeoJSON or GeoPackage (OS Open Roads, or your USRN lines)."),
    )
    attribution = forms.CharField(
        label=gettext_lazy("Attribution shown on maps"),
        max_length=300,
        initial=OS_NOTICE,
    )

    def __init__(self, *args: Any, council_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["council"].queryset = Council.objects.filter(id__in=council_ids)  # type: ignore[attr-defined]  # a ModelChoiceField, which the stubs see as Field

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("wards") or data.get("streets")):
            raise forms.ValidationError(_("Choose a ward boundaries file, a streets file or both."))
        if data.get("boundary") and not data.get("wards"):
            raise forms.ValidationError(_("A council boundary goes with its ward boundaries."))
        return data


@admin.register(CouncilBoundary)
class CouncilBoundaryAdmin(CouncilScopedAdmin):
    """Each council's imported geography, and the page to import it (the same import as
    ``onecouncil boundaries_import``: all or nothing; open requests move ward)."""

    list_display = ("council", "from_wards", "version", "imported_at")
    readonly_fields = ("council", "from_wards", "version", "imported_at")
    exclude = ("geometry", "min_lon", "min_lat", "max_lon", "max_lat")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="places_councilboundary_import",
            )
        ]
        return own + super().get_urls()

    def import_view(self, request: HttpRequest) -> HttpResponseBase:
        if not self.has_module_permission(request):
            return HttpResponse(status=403)
        form = GeographyForm(
            request.POST or None, request.FILES or None, council_ids=self.council_ids(request)
        )
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                loaded = council_geography_load(
                    council=data["council"],
                    wards=data["wards"].read() if data["wards"] else None,
                    boundary=data["boundary"].read() if data["boundary"] else None,
                    streets=data["streets"].read() if data["streets"] else None,
                    attribution=data["attribution"],
                )
            except PlacesImportError as exc:
                errors = exc.errors
            else:
                parts = []
                if loaded.boundaries is not None:
                    parts.append(
                        _("%(created)d wards created, %(updated)d updated")
                        % {
                            "created": len(loaded.boundaries.created),
                            "updated": len(loaded.boundaries.updated),
                        }
                    )
                    parts.append(_("%(n)d open requests moved ward") % {"n": len(loaded.rewarded)})
                if loaded.streets is not None:
                    parts.append(_("%(n)d streets loaded") % {"n": loaded.streets})
                audit_record(
                    council=data["council"],
                    user=request.user,
                    action="import_geography",
                    object_type="council",
                    object_ref=data["council"].slug,
                    request=request,
                    detail={"summary": "; ".join(str(p) for p in parts)},
                )
                messages.success(request, "; ".join(str(p) for p in parts) + ".")
                return redirect("admin:places_councilboundary_changelist")
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": _("Import boundaries and streets"),
            "submit_label": _("Import"),
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/catalogue/service/exchange.html", context)
