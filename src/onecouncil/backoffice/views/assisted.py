"""The assisted channel: an adviser records a request for someone on the phone or at the
desk, finding the caller's earlier requests first."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onecouncil.backoffice.forms import (
    CallerForm,
    CallerWordsForm,
)
from onecouncil.backoffice.http import case_or_404, page, staff_view
from onecouncil.cases.access import (
    case_for_staff,
    case_search,
)
from onecouncil.cases.actions import (
    case_create,
)
from onecouncil.cases.inputs import (
    Contact,
    Location,
    NewRequest,
    Submitter,
    parse_place,
    validate_contact,
)
from onecouncil.cases.models import Case, Channel
from onecouncil.catalogue.answers import AnswersForm, code_of
from onecouncil.catalogue.models import Service
from onecouncil.catalogue.selectors import (
    groups_with_services,
    service_for_resident,
    service_search,
)
from onecouncil.core.actors import Actor
from onecouncil.core.models import Council, Membership
from onecouncil.linkage.single_view import single_view_links_of_requests
from onecouncil.residents.postcodes import normalise_postcode
from onecouncil.residents.selectors import addresses_for_postcode
from onecouncil.triage.suggest import suggest_services, suggestion_taken
from onecouncil.web.forms import errors_from
from onecouncil.web.maps import allow_map_tiles, map_settings
from onecouncil.web.templatetags.govuk import error_list

# --- The assisted channel ------------------------------------------------------------


WORDS_KEY = "assisted_words"


@require_http_methods(["GET", "POST"])
@staff_view(case_create)
def assisted_start(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    query = request.GET.get("q", "").strip()[:200]
    results = service_search(council=council, text=query) if query else None
    # "Another request for this caller": their details come with them to the next form.
    caller = case_for_staff(membership=membership, reference=request.GET.get("use", "")[:40])
    words_form = CallerWordsForm(request.POST or None)
    suggested = None
    if request.method == "GET":
        # A new start is a new caller: the last caller's words never reach their form.
        request.session.pop(WORDS_KEY, None)
    if request.method == "POST" and words_form.is_valid():
        words = words_form.cleaned_data["words"]
        # The words go with the adviser to the service's form (kept in the session,
        # never in an address).
        request.session[WORDS_KEY] = {str(council.pk): words}
        suggested = suggest_services(council=council, text=words)
    return page(
        request,
        "assisted_start.html",
        {
            "groups": groups_with_services(council=council),
            "query": query,
            "results": results,
            "caller": caller,
            "words_form": words_form,
            "suggested": suggested.items if suggested else [],
            "model_off": suggested is None and words_form.is_bound and words_form.is_valid(),
            "errors": error_list(words_form) if words_form.is_bound else [],
        },
    )


def _caller_words(request: HttpRequest, council: Council, service: Service) -> str:
    """The caller's words typed on the first page, if any; recorded as the suggestion
    the adviser took (or not) the first time the service's form opens with them."""
    kept = request.session.get(WORDS_KEY, {})
    words = str(kept.get(str(council.pk), ""))
    if words and not kept.get("taken"):
        found = suggest_services(council=council, text=words)
        if found is not None:
            suggestion_taken(
                council=council, suggestions=found, chosen=service.code, channel="phone"
            )
        request.session[WORDS_KEY] = {**kept, "taken": True}
    return words


@require_GET
@staff_view(case_create)
def assisted_made(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    """The last page of the assisted channel: the reference to read to the caller, the
    target date and what happens next."""
    case = case_or_404(membership, reference)
    return page(request, "assisted_made.html", {"case": case})


def _caller_matches(membership: Membership, text: str) -> list[Case]:
    """People the adviser may be talking to: earlier requests by name, email, phone or
    postcode, newest first, one per contact."""
    seen: set[tuple[str, str, str]] = set()
    people: list[Case] = []
    for case in case_search(membership=membership, text=text, limit=200):
        key = (case.contact_name.lower(), case.contact_email.lower(), case.phone_key)
        if case.is_anonymous or key in seen:
            continue
        seen.add(key)
        people.append(case)
    return people[:20]


def _assisted_create(
    request: HttpRequest,
    council: Council,
    service: Service,
    answers: AnswersForm,
    caller: CallerForm,
    key: uuid.UUID,
) -> Case | None:
    """Make the caller's request through the same parsers and writer as every channel;
    None, with every error on the forms, when something needs fixing."""
    answers_ok = answers.is_valid()
    if not caller.is_valid():
        return None
    c = caller.cleaned_data
    domain_errors: dict[str, list[str]] = {}
    location = Location()
    if service.location_required:
        try:
            location = parse_place(
                council=council,
                service=service,
                uprn=c["uprn"],
                street=c["street"],
                description=c["description"],
                latitude=c["latitude"] or None,
                longitude=c["longitude"] or None,
            )
        except ValidationError as exc:
            domain_errors.update(exc.message_dict)
    contact = Contact(
        name=c["name"],
        email=c["email"],
        phone=c["phone"],
        anonymous=c["anonymous"],
        updates_by_sms=c["updates_by_sms"],
    )
    domain_errors.update(validate_contact(service, contact))
    if not domain_errors and answers_ok:
        try:
            return case_create(
                council=council,
                request=NewRequest(
                    service=service,
                    answers=answers.stored_answers(),
                    description=c["words"],
                    location=location,
                    contact=contact,
                    channel=Channel(c["channel"]),
                    submission_key=key,
                    submitter=Submitter(actor=Actor.from_request(request)),
                ),
            ).case
        except ValidationError as exc:
            domain_errors = exc.message_dict
    if "location" in domain_errors:
        domain_errors["street"] = domain_errors.pop("location")
    answer_errors = {
        code: domain_errors.pop(key)
        for key in list(domain_errors)
        if (code := code_of(key)) is not None
    }
    errors_from(caller, domain_errors)
    if answers_ok:
        errors_from(answers, answer_errors)
    return None


def _submission_key(given: str) -> uuid.UUID:
    """The form's key for one submission; a missing or mangled one starts afresh."""
    try:
        return uuid.UUID(given)
    except ValueError:
        return uuid.uuid4()


@require_http_methods(["GET", "POST"])
@staff_view(case_create)
def assisted_report(
    request: HttpRequest, council: Council, membership: Membership, code: str
) -> HttpResponseBase:
    service = service_for_resident(council=council, code=code)
    if service is None:
        raise Http404()
    find = request.GET.get("find", "").strip()
    matches = _caller_matches(membership, find) if find else None
    single_views = single_view_links_of_requests(
        membership=membership, request_ids=[m.pk for m in matches or []]
    )
    prefill: dict[str, Any] = {
        "channel": Channel.PHONE,
        "words": _caller_words(request, council, service),
    }
    if request.GET.get("use"):
        chosen = case_for_staff(membership=membership, reference=request.GET["use"])
        if chosen is not None:
            prefill.update(
                name=chosen.contact_name,
                email=chosen.contact_email,
                phone=chosen.contact_phone,
                postcode=chosen.postcode,
                uprn=str(chosen.uprn or ""),
            )
    answers = AnswersForm(request.POST or None, service=service)
    caller = CallerForm(request.POST or None, initial=prefill)
    key = _submission_key(request.POST.get("submission_key", ""))
    if request.method == "POST" and request.POST.get("action") != "find-address":
        made = _assisted_create(request, council, service, answers, caller, key)
        if made is not None:
            request.session.pop(WORDS_KEY, None)
            return redirect("backoffice:assisted_made", reference=made.reference)
    elif request.method == "POST":
        # Finding an address: keep what was typed, show no errors yet.
        answers = answers.as_typed()
        caller = CallerForm(initial=request.POST.dict())
    postcode = (request.POST.get("postcode") if request.method == "POST" else None) or (
        prefill.get("postcode", "")
    )
    addresses = []
    if postcode:
        try:
            addresses = addresses_for_postcode(
                council=council, postcode=normalise_postcode(str(postcode))
            )
        except ValidationError:
            caller.add_error(
                "postcode", _("Enter a real postcode, like RB1 1AA")
            ) if caller.is_bound else None
    # The same map and pin residents have on their place step.
    the_map = map_settings(council) if service.location_required else None
    response = page(
        request,
        "assisted_report.html",
        {
            "service": service,
            "answers": answers,
            "caller": caller,
            "matches": matches,
            "caller_rows": [(m, single_views.get(m.pk)) for m in matches or []],
            "find": find,
            "addresses": addresses,
            "submission_key": key,
            "map": the_map,
            "chosen_uprn": str(caller["uprn"].value() or prefill.get("uprn", "")),
            "errors": error_list(caller, answers),
        },
    )
    allow_map_tiles(response, the_map)
    return response
