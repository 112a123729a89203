"""What residents tell us: rating a closed request (from the link in the update that
closed it) and "Is this page useful?" (linked from every resident page).

A GET never records anything, so a mail scanner that follows the link cannot rate.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onecouncil.cases.access import CaseNotFound, access_case_for_rating
from onecouncil.cases.models import CLOSED_STATUSES
from onecouncil.core.clients import client_ip
from onecouncil.core.models import Council
from onecouncil.core.throttles import digest, within_limit
from onecouncil.frontdoor.forms import PageFeedbackForm, RatingForm
from onecouncil.frontdoor.http import page, with_council
from onecouncil.insight.feedback import page_feedback_record, rating_of, rating_record
from onecouncil.web.templatetags.govuk import error_list

FEEDBACK_PER_HOUR = 20
OTHER_PAGE = "other"


@require_http_methods(["GET", "POST"])
@with_council
def rate(request: HttpRequest, council: Council, reference: str, token: str) -> HttpResponseBase:
    try:
        case = access_case_for_rating(council=council, reference=reference, token=token)
    except CaseNotFound:
        raise Http404(_("This link has expired or is not complete")) from None
    closed = case.status in CLOSED_STATUSES
    earlier = rating_of(case)
    if request.method == "POST" and closed:
        form = RatingForm(request.POST)
        if form.is_valid():
            try:
                rating_record(
                    case=case,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("frontdoor:rated", reference=case.reference)
    else:
        initial = {"score": str(earlier.score), "comment": earlier.comment} if earlier else {}
        form = RatingForm(initial=initial)
    return page(
        request,
        "rate.html",
        {
            "case": case,
            "closed": closed,
            "earlier": earlier,
            "form": form,
            "errors": error_list(form),
        },
    )


@require_GET
@with_council
def rated(request: HttpRequest, council: Council, reference: str) -> HttpResponseBase:
    return page(request, "rated.html", {"reference": reference})


def _known_page(name: str) -> str:
    """A resident page's route name as given, if it is one (never an address, which may
    hold a reference or a private token)."""
    from onecouncil.frontdoor.urls import urlpatterns

    names = {f"frontdoor:{p.name}" for p in urlpatterns if getattr(p, "name", None)}
    return name if name in names else OTHER_PAGE


@require_http_methods(["GET", "POST"])
@with_council
def page_feedback(request: HttpRequest, council: Council) -> HttpResponseBase:
    about = _known_page(request.POST.get("page") or request.GET.get("page") or "")
    status = 200
    if request.method == "POST":
        form = PageFeedbackForm(request.POST)
        if form.is_valid():
            key = f"page-feedback:{council.pk}:{digest(client_ip(request) or '')}"
            if within_limit(key, FEEDBACK_PER_HOUR, 3600):
                page_feedback_record(
                    council=council,
                    page=about,
                    useful=form.cleaned_data["useful"],
                    comment=form.cleaned_data["comment"],
                )
                return redirect(reverse("frontdoor:page_feedback_thanks"))
            form.add_error(
                None, _("We have had a lot of feedback from you. Please try again in an hour.")
            )
            status = 429
    else:
        form = PageFeedbackForm()
    return page(
        request,
        "page_feedback.html",
        {"form": form, "page": about, "errors": error_list(form)},
        status=status,
    )


@require_GET
@with_council
def page_feedback_thanks(request: HttpRequest, council: Council) -> HttpResponseBase:
    return page(request, "page_feedback_thanks.html", {})
