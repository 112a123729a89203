"""The single view of a resident, and the data officer's linkage pages: source systems and
their imports, the review queue, and the model (docs/linkage.md)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from onecouncil.backoffice.forms import (
    ExtractForm,
    PairDecisionForm,
    RunLinkageForm,
    SourceForm,
    SplitForm,
)
from onecouncil.backoffice.http import case_or_404, page, staff_view
from onecouncil.cases.access import requests_of_person_for_staff
from onecouncil.core.models import Council, Membership
from onecouncil.core.permissions import Permission, role_has
from onecouncil.linkage.contact import index_run_request
from onecouncil.linkage.models import RecordKind
from onecouncil.linkage.report import model_report
from onecouncil.linkage.review import pair_decide, pairs_to_review, person_split
from onecouncil.linkage.single_view import (
    FIELD_LABELS,
    SingleView,
    single_view_for_staff,
    single_view_link,
    value_text,
)
from onecouncil.linkage.sources import (
    ImportRefused,
    source_for_staff,
    source_import_for_staff,
    source_save,
    sources_for_staff,
)
from onecouncil.web.templatetags.govuk import error_list


def _record_choices(view: SingleView) -> list[tuple[str, str]]:
    return [(str(r.pk), r.key) for r in view.records]


@require_GET
@staff_view(Permission.SINGLE_VIEW)
def single_view(
    request: HttpRequest, council: Council, membership: Membership, person_id: int
) -> HttpResponseBase:
    view = single_view_for_staff(membership=membership, person_id=person_id)
    if view is None:
        raise Http404()
    if view.person.pk != person_id:  # found to be another person: their view is the other's
        return redirect("backoffice:single_view", person_id=view.person.pk)
    return _single_view_page(request, membership, view, SplitForm(choices=_record_choices(view)))


def _single_view_page(
    request: HttpRequest,
    membership: Membership,
    view: SingleView,
    split: SplitForm,
    status: int = 200,
) -> HttpResponseBase:
    requests = requests_of_person_for_staff(
        membership=membership,
        request_ids=view.request_ids,
        person_ids=view.person_ids,
    )
    return page(
        request,
        "single_view.html",
        {
            "view": view,
            "requests": requests,
            "split": split,
            "may_split": role_has(membership.role, Permission.MANAGE_SOURCES),
            "errors": error_list(split) if split.is_bound else [],
        },
        status=status,
    )


@require_GET
@staff_view(Permission.SINGLE_VIEW)
def single_view_of_request(
    request: HttpRequest, council: Council, membership: Membership, reference: str
) -> HttpResponseBase:
    """From a request's page: the single view of whoever reported it."""
    case = case_or_404(membership, reference)
    person_id = single_view_link(
        membership=membership,
        kind=RecordKind.REQUEST,
        ref_id=case.pk,
        known_person_id=case.person_id,
    )
    if person_id is None:
        request.session["flash_error"] = _(
            "Linkage has not linked this request's reporter to anyone yet (it does within "
            "seconds of a request being made, if it has contact details)."
        )
        return redirect("backoffice:case", reference=case.reference)
    return redirect("backoffice:single_view", person_id=person_id)


@require_POST
@staff_view(Permission.MANAGE_SOURCES)
def person_split_view(
    request: HttpRequest, council: Council, membership: Membership, person_id: int
) -> HttpResponseBase:
    view = single_view_for_staff(membership=membership, person_id=person_id)
    if view is None or view.person.pk != person_id:
        raise Http404()
    form = SplitForm(request.POST, choices=_record_choices(view))
    if form.is_valid():
        try:
            other = person_split(
                membership=membership,
                person_id=person_id,
                record_ids=[int(i) for i in form.cleaned_data["records"]],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            request.session["flash"] = _(
                "The records were split into a person of their own. Linkage will not join "
                "them again."
            )
            return redirect("backoffice:single_view", person_id=other.pk)
    return _single_view_page(request, membership, view, form, status=400)


@require_http_methods(["GET", "POST"])
@staff_view(Permission.MANAGE_SOURCES)
def linkage_review(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    form = PairDecisionForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                pair_decide(
                    membership=membership,
                    pair_id=form.cleaned_data["pair"],
                    same=form.cleaned_data["decision"] == "same",
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except ValidationError as error:
                request.session["flash_error"] = " ".join(error.messages)
            else:
                request.session["flash"] = _("Decision saved. It binds every later run.")
            return redirect("backoffice:linkage_review")
        request.session["flash_error"] = _("Choose whether they are the same person")
        return redirect("backoffice:linkage_review")
    pairs = pairs_to_review(membership=membership)
    shown = [
        {
            "pair": pair,
            "rows": [
                (label, value_text(name, pair.left.__dict__), value_text(name, pair.right.__dict__))
                for name, label in _COMPARED
            ],
        }
        for pair in pairs
    ]
    return page(request, "linkage_review.html", {"pairs": shown})


_COMPARED = list(FIELD_LABELS.items())


@require_http_methods(["GET", "POST"])
@staff_view(Permission.MANAGE_SOURCES)
def linkage_sources(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    form = SourceForm(request.POST or None, council=council)
    if request.method == "POST" and form.is_valid():
        try:
            source = source_save(membership=membership, values=form.values(), request=request)
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
        else:
            request.session["flash"] = _("%(name)s registered. Now import its extract.") % {
                "name": source.name
            }
            return redirect("backoffice:linkage_source", source_id=source.pk)
    return page(
        request,
        "linkage_sources.html",
        {
            "sources": sources_for_staff(membership=membership),
            "form": form,
            "errors": error_list(form) if form.is_bound else [],
        },
        status=400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_view(Permission.MANAGE_SOURCES)
def linkage_source(
    request: HttpRequest, council: Council, membership: Membership, source_id: int
) -> HttpResponseBase:
    source = source_for_staff(membership=membership, source_id=source_id)
    if source is None:
        raise Http404()
    extract = ExtractForm()
    problems: list[str] = []
    if request.method == "POST":
        extract = ExtractForm(request.POST, request.FILES)
        if extract.is_valid():
            try:
                done = source_import_for_staff(
                    membership=membership,
                    source=source,
                    upload=extract.cleaned_data["extract"],
                    request=request,
                )
            except ImportRefused as refused:
                problems = refused.errors
            else:
                request.session["flash"] = _(
                    "Imported %(rows)s rows: %(new)s new, %(changed)s changed, %(gone)s no "
                    "longer held, %(unchanged)s unchanged. They join the single view at the "
                    "next linkage run."
                ) % vars(done)
                return redirect("backoffice:linkage_source", source_id=source.pk)
    errors = error_list(extract) if extract.is_bound else []
    errors += [{"href": "#id_extract", "text": p} for p in problems]
    return page(
        request,
        "linkage_source.html",
        {
            "source": source,
            "extract": extract,
            "imports": list(source.imports.order_by("-imported_at")[:20]),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_view(Permission.MANAGE_SOURCES)
def linkage_model(
    request: HttpRequest, council: Council, membership: Membership
) -> HttpResponseBase:
    form = RunLinkageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        index_run_request(membership=membership, retrain=form.cleaned_data["retrain"])
        request.session["flash"] = _("Linkage will run again within a few minutes.")
        return redirect("backoffice:linkage_model")
    return page(
        request,
        "linkage_model.html",
        {"report": model_report(membership=membership), "form": form},
    )
