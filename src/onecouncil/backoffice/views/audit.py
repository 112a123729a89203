"""The audit trail: changes made by people and reads of personal data."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponseBase
from django.views.decorators.http import require_GET

from onecouncil.backoffice.forms import (
    AuditFilterForm,
)
from onecouncil.backoffice.http import page, staff_view
from onecouncil.cases.access import (
    changes_for_audit,
)
from onecouncil.core.models import AuditEntry, Council, Membership
from onecouncil.core.permissions import Permission
from onecouncil.web.templatetags.govuk import error_list

# --- Audit ---------------------------------------------------------------------------


@require_GET
@staff_view(Permission.VIEW_AUDIT)
def audit(request: HttpRequest, council: Council, membership: Membership) -> HttpResponseBase:
    form = AuditFilterForm(request.GET)
    valid = form.is_valid()
    who = form.cleaned_data.get("who", "") if valid else ""
    what = form.cleaned_data.get("what", "") if valid else ""
    entries = AuditEntry.objects.filter(council=council).select_related("user")
    if who:
        entries = entries.filter(user_label__icontains=who)
    if what:
        entries = entries.filter(object_ref__icontains=what)
    changes = changes_for_audit(membership=membership, who=who, reference=what)
    return page(
        request,
        "audit.html",
        {
            "form": form,
            "errors": error_list(form),
            "entries": Paginator(entries, 100).get_page(request.GET.get("page")),
            "changes": changes,
        },
        status=200 if valid else 400,
    )
