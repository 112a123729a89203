from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from onecouncil.api.keys import api_key_forget, api_key_issue, api_key_revoke
from onecouncil.api.models import ApiKey, KeyKind
from onecouncil.core.admin import CouncilScopedAdmin
from onecouncil.core.audit import audit_record
from onecouncil.core.models import AuditAction


class ApiKeyAddForm(forms.ModelForm):
    """A new key: who it is for, what it may do and how often. The key itself is made by
    ``api_key_issue`` and shown once."""

    class Meta:
        model = ApiKey
        fields = ("council", "name", "kind", "role", "rate_limit_per_minute", "backend")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == KeyKind.REST and not data.get("role"):
            raise ValidationError({"role": _("Choose the staff role whose permissions it has")})
        if data.get("kind") == KeyKind.OPEN311 and data.get("role"):
            raise ValidationError({"role": _("Only REST API keys act with a staff role")})
        rate = data.get("rate_limit_per_minute")
        if rate is not None and not 1 <= rate <= 6000:
            raise ValidationError(
                {"rate_limit_per_minute": _("Choose between 1 and 6,000 requests a minute")}
            )
        return data


@admin.register(ApiKey)
class ApiKeyAdmin(CouncilScopedAdmin):
    list_display = ("name", "kind", "role", "prefix", "council", "last_used_at", "revoked_at")
    list_filter = ("kind",)
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at")
    actions = ["revoke"]
    add_form = ApiKeyAddForm

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ApiKeyAddForm.Meta.fields
        return super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            api_key_forget(obj)  # its role or limit changed: every process reads it again
            return
        issued = api_key_issue(
            council=obj.council,
            name=obj.name,
            kind=KeyKind(obj.kind),
            role=obj.role,
            rate_limit_per_minute=obj.rate_limit_per_minute,
        )
        if obj.backend_id is not None:
            ApiKey.objects.filter(pk=issued.api_key.pk).update(backend_id=obj.backend_id)
        obj.pk = issued.api_key.pk
        request._issued_key = issued.key  # type: ignore[attr-defined]  # shown once, by response_add
        audit_record(
            council=obj.council,
            user=request.user,
            action=AuditAction.API_KEY,
            object_type="API key",
            object_ref=issued.api_key.prefix,
            detail={"issued": obj.name, "kind": obj.kind, "role": obj.role},
        )

    def response_add(self, request: HttpRequest, obj: ApiKey, post_url_continue: Any = None) -> Any:
        """The key, once: on this page, never in a message (kept in a cookie) or a log."""
        key = getattr(request, "_issued_key", "")
        response: HttpResponse = TemplateResponse(
            request,
            "admin/api/apikey/issued.html",
            {
                **self.admin_site.each_context(request),
                "title": _("Copy the key now"),
                "api_key": ApiKey.objects.get(pk=obj.pk),
                "key": key,
                "opts": self.model._meta,
            },
        )
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        live = [key for key in queryset.filter(revoked_at__isnull=True) if api_key_revoke(key)]
        count = len(live)
        for key in live:
            audit_record(
                council=key.council,
                user=request.user,
                action=AuditAction.API_KEY,
                object_type="API key",
                object_ref=key.prefix,
                detail={"revoked": key.name},
            )
        messages.success(request, _("%(n)s keys revoked.") % {"n": count})
