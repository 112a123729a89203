"""The GeoReport v2 view of a service definition, derived from the catalogue."""

from __future__ import annotations

from typing import Any

from onecouncil.catalogue.models import Question, QuestionKind, Service

DATATYPE = {
    QuestionKind.SHORT_TEXT: "string",
    QuestionKind.LONG_TEXT: "text",
    QuestionKind.NUMBER: "number",
    QuestionKind.DATE: "datetime",
    QuestionKind.YES_NO: "singlevaluelist",
    QuestionKind.ONE_OF: "singlevaluelist",
    QuestionKind.SEVERAL_OF: "multivaluelist",
    QuestionKind.PHOTO: "string",
}
YES_NO_VALUES = [{"key": "yes", "name": "Yes"}, {"key": "no", "name": "No"}]


# The one contact rule (``cases.inputs.validate_contact``), told to clients in each
# definition as an informational attribute (``variable`` false: nothing to answer).
CONTACT_ATTRIBUTE = "contact_needed"
CONTACT_NOTICE = (
    "This service needs an email address or a phone number (email or phone), so the "
    "council can tell the resident what happens. A name is optional."
)


# A private service's requests are not in public lists; the client that sends one reads
# it back with its api_key. Told in the list and, as an informational attribute, in the
# definition.
PRIVATE_ATTRIBUTE = "private_service"
PRIVATE_NOTICE = (
    "Requests to this service are private: they are not in public lists, and only the "
    "client that sent one can read it and its updates back, by giving its api_key."
)


def service_summary(service: Service) -> dict[str, Any]:
    private = not service.is_public
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": f"{service.description} {PRIVATE_NOTICE}".strip()
        if private
        else service.description,
        "metadata": service.questions.exists() or not service.anonymous_allowed or private,
        "type": "realtime",
        "keywords": ",".join(service.keyword_list),
        "group": service.group.name,
    }


def _attribute(question: Question, order: int) -> dict[str, Any]:
    kind = QuestionKind(question.kind)
    attribute: dict[str, Any] = {
        "variable": True,
        "code": question.code,
        "datatype": DATATYPE[kind],
        "required": question.required,
        "datatype_description": question.hint or None,
        "order": order,
        "description": question.label,
    }
    if kind == QuestionKind.YES_NO:
        attribute["values"] = YES_NO_VALUES
    elif kind in (QuestionKind.ONE_OF, QuestionKind.SEVERAL_OF):
        attribute["values"] = [
            {"key": str(o["value"]), "name": str(o["label"])} for o in question.options
        ]
    elif kind == QuestionKind.PHOTO:
        attribute["datatype_description"] = question.hint or "A link to a photo (media URL)."
    return attribute


def _notice(code: str, text: str, order: int) -> dict[str, Any]:
    """An informational attribute (``variable`` false: nothing to answer)."""
    return {
        "variable": False,
        "code": code,
        "datatype": "string",
        "required": False,
        "datatype_description": None,
        "order": order,
        "description": text,
    }


def service_definition(service: Service) -> dict[str, Any]:
    questions = list(service.questions.all())
    attributes = [_attribute(q, index) for index, q in enumerate(questions, start=1)]
    if not service.anonymous_allowed:
        attributes.append(_notice(CONTACT_ATTRIBUTE, CONTACT_NOTICE, len(attributes) + 1))
    if not service.is_public:
        attributes.append(_notice(PRIVATE_ATTRIBUTE, PRIVATE_NOTICE, len(attributes) + 1))
    return {"service_code": service.code, "attributes": attributes}
