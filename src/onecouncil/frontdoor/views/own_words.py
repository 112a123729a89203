""" "Tell us in your own words": a resident (or an adviser for a caller) writes what is
wrong, sees the three services the council's model thinks most likely with the words that
made it think so, and picks one, or none of them. Their words go with them into the
report: as the service's first long-text answer, or else as the request's description.

The words travel in the session, never in an address (addresses end up in access logs).
Works without JavaScript (a form, then a page of choices); with it, the same suggestions
appear as the resident types (``own_words_suggest``).
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from onecouncil.catalogue.models import QuestionKind, Service
from onecouncil.core.clients import client_ip
from onecouncil.core.models import Council
from onecouncil.core.throttles import digest, within_limit
from onecouncil.frontdoor.drafts import Draft
from onecouncil.frontdoor.http import page, service_or_404, with_council
from onecouncil.triage.suggest import (
    MAX_WORDS_LENGTH,
    ServiceSuggestion,
    Suggestions,
    suggest_services,
    suggestion_taken,
)
from onecouncil.web.templatetags.govuk import error_list

SESSION_KEY = "own_words"
NONE_OF_THESE = "none"


class OwnWordsForm(forms.Form):
    words = forms.CharField(
        label=gettext_lazy("Tell us in your own words"),
        max_length=MAX_WORDS_LENGTH,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": gettext_lazy("Tell us what you want to report or request"),
            "max_length": gettext_lazy(
                "Tell us in %(limit_value)d characters or fewer: you can add more detail later"
            ),
        },
    )


def _kept(request: HttpRequest, council: Council) -> str:
    return str(request.session.get(SESSION_KEY, {}).get(str(council.pk), ""))


def _keep(request: HttpRequest, council: Council, words: str) -> None:
    kept = dict(request.session.get(SESSION_KEY, {}))
    kept[str(council.pk)] = words
    request.session[SESSION_KEY] = kept


def carry_words(request: HttpRequest, council: Council, service: Service, words: str) -> None:
    """Start the service's report with the resident's words: its first long-text question
    answered with them (when not answered yet), or else as the request's description."""
    draft = Draft(request.session, council.pk, service.code)
    long_text = next((q for q in service.questions.all() if q.kind == QuestionKind.LONG_TEXT), None)
    if long_text is not None:
        answers = dict(draft.get("answers"))
        answers.setdefault(long_text.code, words)
        draft.data["answers"] = answers
        draft.data.pop("own_words", None)
    else:
        draft.data["own_words"] = words
    request.session.modified = True


@require_http_methods(["GET", "POST"])
@with_council
def own_words(request: HttpRequest, council: Council) -> HttpResponseBase:
    # A browser sends no ``chosen`` when no radio is ticked: the form says it is a choice.
    if request.method == "POST" and ("chosen" in request.POST or "choosing" in request.POST):
        return _choose(request, council)
    if request.method == "POST":
        form = OwnWordsForm(request.POST)
        if form.is_valid():
            _keep(request, council, form.cleaned_data["words"])
            return redirect("frontdoor:own_words")
        return page(
            request, "own_words.html", {"form": form, "errors": error_list(form)}, status=200
        )
    words = _kept(request, council)
    form = OwnWordsForm(initial={"words": words})
    found = suggest_services(council=council, text=words) if words else None
    confident = found.confident if found else None
    return page(
        request,
        "own_words.html",
        {
            "form": form,
            "words": words,
            "choices": _choices(found),
            "model_off": words and found is None,
            "preselected": confident.service.code if confident else "",
            "none_of_these": NONE_OF_THESE,
        },
    )


def _choose(request: HttpRequest, council: Council) -> HttpResponseBase:
    """The resident picked a service (or none of them) for the words they gave: kept in
    the session, or sent with the choice when JavaScript showed the suggestions."""
    posted = OwnWordsForm(request.POST)
    words = posted.cleaned_data["words"] if posted.is_valid() else _kept(request, council)
    chosen = request.POST.get("chosen", "")
    if not words:
        return redirect("frontdoor:home")
    found = suggest_services(council=council, text=words)
    if not chosen:
        _keep(request, council, words)
        return page(
            request,
            "own_words.html",
            {
                "form": OwnWordsForm(initial={"words": words}),
                "words": words,
                "choices": _choices(found),
                "none_of_these": NONE_OF_THESE,
                "errors": [{"href": "#chosen", "text": _("Choose a service, or none of these")}],
                "choice_error": _("Choose a service, or none of these"),
            },
        )
    request.session.pop(SESSION_KEY, None)
    if chosen == NONE_OF_THESE:
        if found is not None:
            suggestion_taken(council=council, suggestions=found, chosen="", channel="web")
        return redirect(reverse("frontdoor:services") + "#all-services")
    service = service_or_404(council, chosen)
    if found is not None:
        suggestion_taken(council=council, suggestions=found, chosen=service.code, channel="web")
    carry_words(request, council, service, words)
    return redirect("frontdoor:service", code=service.code)


def _choices(found: Suggestions | None) -> list[ServiceSuggestion]:
    return found.items if found else []


SUGGESTS_PER_HOUR = 1200


@require_POST
@with_council
def own_words_suggest(request: HttpRequest, council: Council) -> HttpResponseBase:
    """The suggestions as JSON, for the page's script to show while the resident types."""
    form = OwnWordsForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"suggestions": [], "errors": form.errors}, status=400)
    # Each call runs the model: a client asking far more often than anyone types is told
    # to wait (the page still works: its form sends the words without the script).
    if not within_limit(
        f"own-words-suggest:{digest(client_ip(request) or '')}", SUGGESTS_PER_HOUR, 3600
    ):
        return JsonResponse(
            {"suggestions": [], "detail": _("Too many suggestions asked for: try again later.")},
            status=429,
        )
    found = suggest_services(council=council, text=form.cleaned_data["words"])
    return JsonResponse(
        {
            "suggestions": [
                {
                    "code": s.service.code,
                    "name": s.service.name,
                    "reason": s.reason,
                }
                for s in (found.items if found else [])
            ]
        }
    )
