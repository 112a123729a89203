"""Import and export a council's catalogue as YAML, so councils can share definitions.

The format is documented in docs/catalogue.md. Import is all-or-nothing: every entry
is validated first and nothing is written unless the whole file is sound.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from onecouncil.catalogue.models import Backend, Question, SearchSynonym, Service, ServiceGroup
from onecouncil.catalogue.registry import visibility_notices
from onecouncil.catalogue.versions import catalogue_changed
from onecouncil.core.models import Council, Team

SERVICE_FIELDS = (
    "name",
    "lgsl_code",
    "pattern",
    "description",
    "location_required",
    "about_the_home",
    "anonymous_allowed",
    "urgent_notice",
    "phase",
    "visibility",
    "retention_days",
    "purpose",
    "lawful_basis",
    "keep_reason",
    "nearby_radius_metres",
    "nearby_days",
    "is_active",
    "receives_changes",
    "needs_triage",
    "asset_type",
    "order",
    "sent_to_code",
    "sent_to_attributes",
)
# The systems requests are sent on to, as a catalogue names them. Their API keys are
# secrets and never leave the admin: an import keeps the key a system already has.
BACKEND_FIELDS = ("base_url", "jurisdiction_id", "format", "poll_minutes", "is_active")
QUESTION_FIELDS = (
    "label",
    "hint",
    "kind",
    "required",
    "options",
    "max_length",
    "min_value",
    "max_value",
    "allow_future_dates",
)


class CatalogueImportError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass
class ImportResult:
    groups: int = 0
    services_created: list[str] = field(default_factory=list)
    services_updated: list[str] = field(default_factory=list)
    # What the listeners of ``on_visibility_changed`` asked to be told (catalogue.registry).
    notices: list[str] = field(default_factory=list)


def catalogue_export(*, council: Council) -> str:
    groups = ServiceGroup.objects.filter(council=council).order_by("order", "name")
    services = (
        Service.objects.filter(council=council)
        .select_related("group", "team", "sent_to")
        .prefetch_related("questions")
        .order_by("order", "name")
    )
    document: dict[str, Any] = {
        "groups": [
            {"slug": g.slug, "name": g.name, "description": g.description, "order": g.order}
            for g in groups
        ],
        "services": [],
    }
    synonyms = SearchSynonym.objects.filter(council=council).order_by("term")
    if synonyms:
        document["synonyms"] = {s.term: s.means for s in synonyms}
    backends = Backend.objects.filter(council=council)
    if backends:
        document["sent_to"] = [
            {"name": b.name, **{name: getattr(b, name) for name in BACKEND_FIELDS}}
            for b in backends
        ]
    for service in services:
        entry: dict[str, Any] = {"code": service.code, "group": service.group.slug}
        entry.update({name: getattr(service, name) for name in SERVICE_FIELDS})
        entry["keywords"] = service.keyword_list
        entry["sla"] = (
            {"amount": service.sla_amount, "unit": service.sla_unit}
            if service.sla_amount is not None
            else None  # no target
        )
        entry["team"] = (
            {"slug": service.team.slug, "name": service.team.name} if service.team else None
        )
        entry["sent_to"] = service.sent_to.name if service.sent_to else None
        entry["questions"] = []
        for question in service.questions.all():
            q: dict[str, Any] = {"code": question.code}
            for name in QUESTION_FIELDS:
                value = getattr(question, name)
                if value in (None, "", []) and name not in ("required",):
                    continue
                q[name] = str(value) if name in ("min_value", "max_value") else value
            entry["questions"].append(q)
        document["services"].append(entry)
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def _messages(error: ValidationError, where: str) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{where}.{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in error.message_dict.items()
        ]
    return [f"{where}: {' '.join(error.messages)}"]


def _parse(text: str) -> dict[str, Any]:
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogueImportError([f"The file is not valid YAML: {exc}"]) from exc
    if not isinstance(document, dict) or not isinstance(document.get("services"), list):
        raise CatalogueImportError(["The file needs a 'services' list (and usually 'groups')."])
    return document


def _import_groups(
    council: Council, entries: list[Any], errors: list[str], result: ImportResult
) -> dict[str, ServiceGroup]:
    groups = {g.slug: g for g in ServiceGroup.objects.filter(council=council)}
    for index, entry in enumerate(entries):
        where = f"groups[{index}]"
        if not isinstance(entry, dict) or not entry.get("slug"):
            errors.append(f"{where}: each group needs a slug and a name.")
            continue
        group = groups.get(entry["slug"]) or ServiceGroup(council=council, slug=entry["slug"])
        group.name = entry.get("name", group.name)
        group.description = entry.get("description") or ""
        group.order = entry.get("order") or 0
        try:
            group.full_clean(validate_unique=False)
        except ValidationError as exc:
            errors.extend(_messages(exc, where))
            continue
        group.save()
        groups[group.slug] = group
        result.groups += 1
    return groups


def _apply_service_fields(council: Council, service: Service, entry: dict[str, Any]) -> None:
    for name in SERVICE_FIELDS:
        if name in entry:
            setattr(service, name, entry[name] if entry[name] is not None else "")
    if service.lgsl_code == "":
        service.lgsl_code = None
    keywords = entry.get("keywords") or []
    service.keywords = ", ".join(keywords) if isinstance(keywords, list) else str(keywords)
    if "sla" in entry and entry["sla"] is None:
        service.sla_amount = None  # a service with no target
    else:
        sla = entry.get("sla") or {}
        service.sla_amount = sla.get("amount", service.sla_amount)
        service.sla_unit = sla.get("unit", service.sla_unit)
    if "sent_to" in entry:
        name = entry["sent_to"]
        service.sent_to = (
            Backend.objects.filter(council=council, name=str(name)).first() if name else None
        )
        if name and service.sent_to is None:
            raise ValidationError({"sent_to": f"no system named {name!r} under sent_to"})
    if service.sent_to_attributes is None or service.sent_to_attributes == "":
        service.sent_to_attributes = {}
    team_entry = entry.get("team")
    service.team = None
    if team_entry:
        slug = team_entry.get("slug") or slugify(team_entry.get("name", ""))
        service.team, _created = Team.objects.get_or_create(
            council=council, slug=slug, defaults={"name": team_entry.get("name") or slug}
        )


def _import_questions(service: Service, entries: list[Any], where: str, errors: list[str]) -> None:
    keep: list[str] = []
    for q_index, q_entry in enumerate(entries):
        q_where = f"{where}.questions[{q_index}]"
        if not isinstance(q_entry, dict) or not q_entry.get("code"):
            errors.append(f"{q_where}: each question needs a code.")
            continue
        question = Question.objects.filter(service=service, code=q_entry["code"]).first()
        if question is None:
            question = Question(service=service, code=q_entry["code"])
        question.order = q_index + 1
        question.options = []
        question.hint = ""
        for name in QUESTION_FIELDS:
            if name in q_entry:
                setattr(question, name, q_entry[name])
        try:
            question.full_clean(validate_unique=False)
        except ValidationError as exc:
            errors.extend(_messages(exc, q_where))
            continue
        question.save()
        keep.append(question.code)
    Question.objects.filter(service=service).exclude(code__in=keep).delete()


def _import_service(
    council: Council,
    index: int,
    entry: Any,
    groups: dict[str, ServiceGroup],
    seen_codes: set[str],
    errors: list[str],
    result: ImportResult,
) -> None:
    where = f"services[{index}]"
    if not isinstance(entry, dict) or not entry.get("code"):
        errors.append(f"{where}: each service needs a code.")
        return
    code = str(entry["code"])
    if code in seen_codes:
        errors.append(f"{where}: the code {code} appears twice.")
        return
    seen_codes.add(code)
    service_group = groups.get(str(entry.get("group", "")))
    if service_group is None:
        errors.append(f"{where}.group: no group with slug {entry.get('group')!r}.")
        return
    service = Service.objects.filter(council=council, code=code).first()
    created = service is None
    if service is None:
        service = Service(council=council, code=code)
    before = service.visibility
    service.group = service_group
    try:
        _apply_service_fields(council, service, entry)
        service.full_clean(validate_unique=False)
    except ValidationError as exc:
        errors.extend(_messages(exc, where))
        return
    service.save()
    (result.services_created if created else result.services_updated).append(code)
    if not created and service.visibility != before:
        result.notices += visibility_notices(service, before)
    _import_questions(service, entry.get("questions") or [], where, errors)


def _import_synonyms(council: Council, entries: Any, errors: list[str]) -> None:
    """Replace the council's search synonyms with ``entries``, a mapping of what residents
    type to the words the services use."""
    if not isinstance(entries, dict):
        errors.append("synonyms: give a mapping, for example 'lamp post: street light'.")
        return
    SearchSynonym.objects.filter(council=council).delete()
    seen: set[str] = set()
    for term, means in entries.items():
        where = f"synonyms[{term!r}]"
        synonym = SearchSynonym(council=council, term=str(term), means=str(means or ""))
        try:
            synonym.full_clean(validate_unique=False)
        except ValidationError as exc:
            errors.extend(_messages(exc, where))
            continue
        if synonym.term in seen:
            errors.append(f"{where}: this term appears twice.")
            continue
        seen.add(synonym.term)
        synonym.save()


def _import_backends(council: Council, entries: Any, errors: list[str]) -> None:
    """Create or update the systems requests are sent on to, by name (keys kept)."""
    if not isinstance(entries, list):
        errors.append("sent_to: give a list of systems, each with a name and a base_url.")
        return
    for index, entry in enumerate(entries):
        where = f"sent_to[{index}]"
        if not isinstance(entry, dict) or not entry.get("name"):
            errors.append(f"{where}: each system needs a name.")
            continue
        backend = Backend.objects.filter(council=council, name=str(entry["name"])).first()
        backend = backend or Backend(council=council, name=str(entry["name"]))
        for name in BACKEND_FIELDS:
            if name in entry:
                setattr(backend, name, entry[name])
        try:
            backend.full_clean(validate_unique=False)
        except ValidationError as exc:
            errors.extend(_messages(exc, where))
            continue
        backend.save()


@transaction.atomic
def catalogue_import(*, council: Council, text: str) -> ImportResult:
    """Create or update groups, services and their questions from YAML ``text``: all or
    nothing, with every error naming where it is in the file."""
    document = _parse(text)
    errors: list[str] = []
    result = ImportResult()
    groups = _import_groups(council, document.get("groups") or [], errors, result)
    if "sent_to" in document:
        _import_backends(council, document["sent_to"], errors)
    seen_codes: set[str] = set()
    for index, entry in enumerate(document["services"]):
        _import_service(council, index, entry, groups, seen_codes, errors, result)
    if "synonyms" in document:
        _import_synonyms(council, document["synonyms"], errors)
    if errors:
        transaction.set_rollback(True)
        raise CatalogueImportError(errors)
    catalogue_changed(council_id=council.pk)
    return result
