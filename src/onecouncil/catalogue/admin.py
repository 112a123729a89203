from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onecouncil.catalogue.exchange import CatalogueImportError, catalogue_export, catalogue_import
from onecouncil.catalogue.models import Backend, Question, SearchSynonym, Service, ServiceGroup
from onecouncil.catalogue.registry import visibility_notices
from onecouncil.catalogue.versions import catalogue_changed
from onecouncil.catalogue.widgets import OptionsField
from onecouncil.core.admin import CouncilScopedAdmin
from onecouncil.core.models import Council
from onecouncil.core.selectors import councils_administered_by


class QuestionAdminForm(forms.ModelForm):
    options = OptionsField(label=gettext_lazy("Options"))

    class Meta:
        model = Question
        fields = (
            "code",
            "kind",
            "required",
            "order",
            "label",
            "hint",
            "options",
            "max_length",
            "min_value",
            "max_value",
            "allow_future_dates",
        )


class QuestionInline(admin.StackedInline):
    """A service's questions. A council administrator may change them exactly when they
    may change the service (Django's per-model permissions are not used)."""

    model = Question
    form = QuestionAdminForm
    extra = 0

    def _may(self, request: HttpRequest, obj: Any) -> bool:
        ids = councils_administered_by(request.user)
        return bool(request.user.is_staff and ids and (obj is None or obj.council_id in ids))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._may(request, obj)

    fields = (
        ("code", "kind", "required", "order"),
        "label",
        "hint",
        "options",
        ("max_length", "min_value", "max_value", "allow_future_dates"),
    )


class CatalogueAdmin(CouncilScopedAdmin):
    """Every change to the catalogue made here raises its council's catalogue version
    (``catalogue.versions``), in the admin's transaction: saving (the admin saves the
    related rows, a service's questions inline, after the object itself, every time),
    deleting one or many."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        catalogue_changed(council_id=form.instance.council_id)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        council_id = obj.council_id
        super().delete_model(request, obj)
        catalogue_changed(council_id=council_id)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        councils = set(queryset.values_list("council_id", flat=True))
        super().delete_queryset(request, queryset)
        for council_id in councils:
            catalogue_changed(council_id=council_id)


@admin.register(ServiceGroup)
class ServiceGroupAdmin(CatalogueAdmin):
    list_display = ("name", "council", "order")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(SearchSynonym)
class SearchSynonymAdmin(CatalogueAdmin):
    list_display = ("term", "means", "council")
    list_filter = ("council",)
    search_fields = ("term", "means")


class CatalogueFileForm(forms.Form):
    council = forms.ModelChoiceField(queryset=Council.objects.none(), label=gettext_lazy("Council"))
    file = forms.FileField(label=gettext_lazy("Catalogue file (YAML)"), required=False)

    def __init__(self, *args: Any, council_ids: list[int], with_file: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["council"]
        field.queryset = Council.objects.filter(id__in=council_ids)  # type: ignore[attr-defined]  # a ModelChoiceField, which the stubs see as Field
        self.fields["file"].required = with_file
        if not with_file:
            del self.fields["file"]


class BackendForm(forms.ModelForm):
    class Meta:
        model = Backend
        fields = (
            "council",
            "name",
            "base_url",
            "jurisdiction_id",
            "api_key",
            "format",
            "poll_minutes",
            "is_active",
        )
        # The key is needed to send, so it is kept; it is not shown again once saved.
        widgets = {"api_key": forms.PasswordInput(render_value=False)}

    def clean_api_key(self) -> str:
        given: str = self.cleaned_data.get("api_key") or ""
        return given or (self.instance.api_key if self.instance.pk else "")


@admin.register(Backend)
class BackendAdmin(CouncilScopedAdmin):
    """Systems that handle some services' requests, reached by Open311. Whether each
    was last read without error shows here; requests that could not be sent show under
    "Requests sent on"."""

    form = BackendForm
    list_display = ("name", "base_url", "format", "is_active", "last_polled_at", "last_poll_error")
    list_filter = ("council", "is_active")
    readonly_fields = ("polled_up_to", "last_polled_at", "last_poll_error")


@admin.register(Service)
class ServiceAdmin(CatalogueAdmin):
    list_display = (
        "name",
        "code",
        "group",
        "pattern",
        "visibility",
        "phase",
        "team",
        "is_active",
        "council",
    )
    list_filter = (
        "council",
        "pattern",
        "visibility",
        "phase",
        "is_active",
        "needs_triage",
        "group",
    )
    search_fields = ("name", "code", "keywords")
    prepopulated_fields = {"code": ("name",)}
    inlines = [QuestionInline]

    other_council_fields = ("handled_by",)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "handled_by":
            # Another council's services (their names are public): never one's own, and
            # never one that is itself handled elsewhere.
            kwargs["queryset"] = (
                Service.objects.filter(is_active=True, handled_by__isnull=True)
                .exclude(council_id__in=self.council_ids(request))
                .select_related("council")
                .order_by("council__name", "name")
            )
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "handled_by" and field is not None:
            field.label_from_instance = lambda s: f"{s.council.name}: {s.name}"
        if db_field.name in ("group", "team") and field is not None:
            queryset: QuerySet[Any] = field.queryset
            field.queryset = queryset.filter(council_id__in=self.council_ids(request))
        return field

    def save_model(self, request: HttpRequest, obj: Service, form: Any, change: bool) -> None:
        before = form.initial.get("visibility") if change else None
        super().save_model(request, obj, form, change)
        if before is not None and obj.visibility != before:
            for notice in visibility_notices(obj, before):
                messages.warning(request, notice)

    def get_urls(self) -> list[URLPattern]:
        own = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="catalogue_service_import",
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),
                name="catalogue_service_export",
            ),
        ]
        return own + super().get_urls()

    def _render(
        self,
        request: HttpRequest,
        form: forms.Form,
        title: str,
        submit: str,
        errors: list[str] | None = None,
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "form": form,
            "title": title,
            "submit_label": submit,
            "errors": errors or [],
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/catalogue/service/exchange.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponseBase:
        if not self.has_view_permission(request):
            return HttpResponse(status=403)
        form = CatalogueFileForm(
            request.POST or None, council_ids=self.council_ids(request), with_file=False
        )
        if request.method == "POST" and form.is_valid():
            council = form.cleaned_data["council"]
            response = HttpResponse(
                catalogue_export(council=council), content_type="application/yaml; charset=utf-8"
            )
            response["Content-Disposition"] = (
                f'attachment; filename="{council.slug}-catalogue.yaml"'
            )
            return response
        return self._render(request, form, _("Export catalogue"), _("Download YAML"))

    def import_view(self, request: HttpRequest) -> HttpResponseBase:
        if not self.has_add_permission(request):
            return HttpResponse(status=403)
        form = CatalogueFileForm(
            request.POST or None,
            request.FILES or None,
            council_ids=self.council_ids(request),
            with_file=True,
        )
        if request.method == "POST" and form.is_valid():
            council = form.cleaned_data["council"]
            try:
                text = form.cleaned_data["file"].read().decode("utf-8")
                result = catalogue_import(council=council, text=text)
            except UnicodeDecodeError:
                return self._render(
                    request,
                    form,
                    _("Import catalogue"),
                    _("Import"),
                    [_("The file must be UTF-8 text.")],
                )
            except CatalogueImportError as exc:
                return self._render(request, form, _("Import catalogue"), _("Import"), exc.errors)
            messages.success(
                request,
                _("%(created)s services created and %(updated)s updated.")
                % {
                    "created": len(result.services_created),
                    "updated": len(result.services_updated),
                },
            )
            for notice in result.notices:
                messages.warning(request, notice)
            return redirect("admin:catalogue_service_changelist")
        return self._render(request, form, _("Import catalogue"), _("Import"))
