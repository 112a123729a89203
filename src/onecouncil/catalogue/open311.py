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


def service_summary(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": service.description,
        "metadata": service.questions.exists() or not service.anonymous_allowed,
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


def service_definition(service: Service) -> dict[str, Any]:
    questions = list(service.questions.all())
    attributes = [_attribute(q, index) for index, q in enumerate(questions, start=1)]
    if not service.anonymous_allowed:
        attributes.append(
            {
                "variable": False,
                "code": CONTACT_ATTRIBUTE,
                "datatype": "string",
                "required": False,
                "datatype_description": None,
                "order": len(attributes) + 1,
                "description": CONTACT_NOTICE,
            }
        )
    return {"service_code": service.code, "attributes": attributes}
