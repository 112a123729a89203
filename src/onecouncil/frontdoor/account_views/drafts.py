"""Reports saved to finish later."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from onecouncil.core.models import Council
from onecouncil.frontdoor.account_views.common import signed_in
from onecouncil.frontdoor.drafts import draft_restore
from onecouncil.residents.models import Account, SavedDraft

# --- Save and come back ---------------------------------------------------------------------


@require_POST
@signed_in
def resume_draft(
    request: HttpRequest, council: Council, account: Account, code: str
) -> HttpResponseBase:
    saved = SavedDraft.objects.filter(account=account, service_code=code).first()
    if saved is None:
        raise Http404()
    data = dict(saved.data)
    step = data.pop("resume_step", None)
    draft_restore(request.session, council.pk, code, data)
    if step in RESUMABLE_STEPS:
        # The journey itself sends them back to any earlier step they had not finished.
        return redirect(f"frontdoor:report_{step}", code=code)
    return redirect(
        "frontdoor:report_check" if "contact" in data.get("done", []) else "frontdoor:service",
        code=code,
    )


RESUMABLE_STEPS = ("questions", "location", "photos", "contact", "check")


def draft_retention_days() -> int:
    return int(settings.DRAFT_RETENTION_DAYS)
