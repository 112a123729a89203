"""The journey's photos, contact, check and send steps, and the confirmation."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from onecouncil.cases.access import (
    case_by_submission_key,
    case_submitted_here,
    photo_for_draft,
    photos_for_draft,
)
from onecouncil.cases.actions import (
    case_create,
    photo_add,
    photo_remove,
)
from onecouncil.cases.inputs import (
    Contact,
    Location,
    NewRequest,
    Preferences,
    Submitter,
    validate_contact,
)
from onecouncil.cases.links import private_url as private_link
from onecouncil.cases.links import tracking_url as tracking_link
from onecouncil.cases.models import Channel
from onecouncil.catalogue.answers import (
    code_of,
    journey_steps,
)
from onecouncil.catalogue.models import QuestionKind, Service
from onecouncil.core.models import Council
from onecouncil.core.references import (
    parse_id,
)
from onecouncil.frontdoor.drafts import Draft, draft_exists, remember_submission, submitted_token
from onecouncil.frontdoor.forms import (
    ContactForm,
    PhotoForm,
)
from onecouncil.frontdoor.http import (
    council_of,
    draft_location,
    journey_context,
    journey_counted,
    journey_step,
    next_step,
    page,
    photo_response,
    step_url,
)
from onecouncil.frontdoor.sessions import current_account
from onecouncil.insight.models import JourneyEvent
from onecouncil.residents.accounts import account_update_profile, draft_discard
from onecouncil.web.forms import answer_rows, errors_from
from onecouncil.web.templatetags.govuk import error_list


@require_http_methods(["GET", "POST"])
@journey_step("photos")
def report_photos(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    question = next((q for q in service.questions.all() if q.kind == QuestionKind.PHOTO), None)
    form = PhotoForm()
    photos = photos_for_draft(council=council, draft_key=draft.key)
    action = request.POST.get("action", "")
    if request.method == "POST" and action == "upload":
        form = PhotoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                photo_add(council=council, draft_key=draft.key, upload=form.cleaned_data["photo"])
            except ValidationError as exc:
                form.add_error("photo", exc)
            else:
                url = step_url(service, "photos")
                return redirect(url + ("?change=1" if request.POST.get("change") else ""))
    elif request.method == "POST" and action.startswith("remove-"):
        photo_id = parse_id(action.removeprefix("remove-"))
        if photo_id is not None:
            photo_remove(draft_key=draft.key, photo_id=photo_id)
        return redirect(step_url(service, "photos"))
    elif request.method == "POST":
        if question is not None and question.required and not photos:
            form = PhotoForm(data={})
            form.full_clean()
            form.errors.clear()
            form.add_error("photo", _("Add a photo: %(q)s") % {"q": question.label})
        else:
            draft.mark_done("photos")
            return next_step(request, service, "photos")
    return page(
        request,
        "photos.html",
        {
            **journey_context(service, "photos", request),
            "question": question,
            "form": form,
            "photos": photos,
            "errors": error_list(form),
        },
    )


@require_GET
def draft_photo(request: HttpRequest, code: str, photo_id: int) -> HttpResponseBase:
    council = council_of(request)
    if not draft_exists(request.session, council.pk, code):
        raise Http404()
    photo = photo_for_draft(
        council=council, draft_key=Draft(request.session, council.pk, code).key, photo_id=photo_id
    )
    if photo is None:
        raise Http404()
    return photo_response(photo)


@require_http_methods(["GET", "POST"])
@journey_step("contact")
def report_contact(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    account = current_account(request)
    profile = draft.data.get("profile_contact") or {}
    if request.method == "POST":
        form = ContactForm(request.POST)
        if form.is_valid():
            values = form.values()
            if not service.anonymous_allowed:
                values["anonymous"] = False
            sms = values.pop("updates_by_sms")
            consent = values.pop("councillor_consent")
            errors = validate_contact(service, Contact(**values, updates_by_sms=sms))
            if not errors:
                values["updates_by_sms"] = sms and not values["anonymous"]
                values["councillor_consent"] = consent and not values["anonymous"]
                if (
                    account is not None
                    and request.POST.get("save_to_profile")
                    and not values["anonymous"]
                ):
                    changed = {
                        k: values[k]
                        for k in ("name", "phone")
                        if values[k] and values[k] != getattr(account, k)
                    }
                    if changed:
                        account_update_profile(account=account, **changed)
                draft.put("contact", values, step="contact")
                return next_step(request, service, "contact")
            errors_from(form, errors)
    else:
        form = ContactForm(initial=draft.get("contact") or profile)
    return page(
        request,
        "contact.html",
        {
            **journey_context(service, "contact", request),
            "form": form,
            "profile": profile,
            "errors": error_list(form),
        },
    )


@require_http_methods(["GET", "POST"])
def report_check(request: HttpRequest, code: str) -> HttpResponseBase:
    council = council_of(request)
    if request.method == "POST":
        # A second press of the button, or a resubmitted page, finds the request the
        # first press made, whatever has happened to the draft since.
        try:
            key = uuid.UUID(request.POST.get("submission_key", ""))
        except ValueError:
            key = None
        if key is not None:
            existing = case_by_submission_key(council=council, submission_key=key)
            if existing is not None:
                remember_submission(request.session, existing.reference, None)
                return redirect("frontdoor:report_done", reference=existing.reference)
    return _check(request, code)


@journey_step("check")
def _check(
    request: HttpRequest, council: Council, service: Service, draft: Draft
) -> HttpResponseBase:
    location = draft_location(council, draft, service) if service.location_required else Location()
    stored_contact = dict(draft.get("contact"))
    updates_by_sms = bool(stored_contact.pop("updates_by_sms", False))
    councillor_consent = bool(stored_contact.pop("councillor_consent", False))
    contact = Contact(**stored_contact)
    photos = photos_for_draft(council=council, draft_key=draft.key)
    errors: list[dict[str, str]] = []
    if request.method == "POST" and request.POST.get("submission_key") == str(draft.key):
        try:
            result = case_create(
                council=council,
                request=NewRequest(
                    service=service,
                    answers=draft.get("answers"),
                    description=str(draft.data.get("own_words", "")),
                    location=location,
                    contact=contact,
                    channel=Channel.WEB,
                    submission_key=draft.key,
                    photo_draft_key=draft.key,
                    language=get_language() or "en-gb",
                    preferences=Preferences(
                        updates_by_sms=updates_by_sms, councillor_consent=councillor_consent
                    ),
                    submitter=Submitter(account=current_account(request)),
                ),
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                step = _step_for_field(service, field)
                for message in messages:
                    errors.append({"href": step_url(service, step) + "?change=1", "text": message})
        else:
            remember_submission(request.session, result.case.reference, result.private_token)
            journey_counted(council, service, draft, "check", JourneyEvent.SUBMITTED)
            journey_counted(council, service, draft, "check", JourneyEvent.COMPLETED)
            draft.discard()
            account = current_account(request)
            if account is not None:
                draft_discard(account=account, service_code=service.code)
            return redirect("frontdoor:report_done", reference=result.case.reference)
    return page(
        request,
        "check.html",
        {
            **journey_context(service, "check", request),
            "answers": answer_rows(service, draft.get("answers")),
            "own_words": draft.data.get("own_words", ""),
            "location": location,
            "has_location_step": "location" in journey_steps(service),
            "has_photo_step": "photos" in journey_steps(service),
            "has_question_step": "questions" in journey_steps(service),
            "contact": contact,
            "updates_by_sms": updates_by_sms,
            "councillor_consent": councillor_consent,
            "photos": photos,
            "submission_key": draft.key,
            "errors": errors,
            "step_urls": {s: step_url(service, s) + "?change=1" for s in journey_steps(service)},
        },
    )


def _step_for_field(service: Service, field: str) -> str:
    steps = journey_steps(service)
    if code_of(field) is not None:
        return "questions" if "questions" in steps else "check"
    if field in {"name", "email", "phone", "anonymous"}:
        return "contact"
    if field in {"location", "street", "description", "latitude", "address", "uprn"}:
        return "location" if "location" in steps else "check"
    if field == "photos":
        return "photos" if "photos" in steps else "check"
    return "questions" if "questions" in steps else "check"


@require_GET
def report_done(request: HttpRequest, reference: str) -> HttpResponseBase:
    council = council_of(request)
    token = submitted_token(request.session, reference)
    if token is None:
        return redirect("frontdoor:track_case", reference=reference)
    case = case_submitted_here(council=council, reference=reference)
    if case is None:
        raise Http404()
    private_url = None
    if token and not case.contact_email:
        private_url = private_link(case, token)
    handled_elsewhere = case.council_id != council.pk
    return page(
        request,
        "done.html",
        {
            "case": case,
            "private_url": private_url,
            "handled_elsewhere": handled_elsewhere,
            # A request another council handles is followed on that council's site.
            "tracking_url": tracking_link(case) if handled_elsewhere else "",
        },
    )
