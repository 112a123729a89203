"""Every question type validates and explains; the same rules for every channel."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.utils import timezone

from onecouncil.catalogue.answers import AnswersForm, validate_answers
from tests.factories import QuestionFactory, ServiceFactory, answers_posted


@pytest.fixture
def service(council):
    service = ServiceFactory(council=council)
    QuestionFactory(service=service, code="name_plate", kind="short_text", max_length=10, order=1)
    QuestionFactory(service=service, code="details", kind="long_text", order=2, required=False)
    QuestionFactory(
        service=service, code="count", kind="number", order=3, min_value=1, max_value=10
    )
    QuestionFactory(service=service, code="when", kind="date", order=4)
    QuestionFactory(service=service, code="dangerous", kind="yes_no", order=5)
    QuestionFactory(
        service=service,
        code="bin",
        kind="one_of",
        order=6,
        options=[{"value": "black", "label": "Black bin"}, {"value": "blue", "label": "Blue bin"}],
    )
    QuestionFactory(
        service=service,
        code="items",
        kind="several_of",
        order=7,
        options=[{"value": "sofa", "label": "Sofa"}, {"value": "fridge", "label": "Fridge"}],
    )
    QuestionFactory(service=service, code="photo", kind="photo", order=8, required=False)
    return service


def good(**changes):
    data = {
        "name_plate": "AB12",
        "details": "",
        "count": "3",
        "when_day": "2",
        "when_month": "3",
        "when_year": "2026",
        "dangerous": "no",
        "bin": "blue",
        "items": ["sofa", "fridge"],
    }
    data.update(changes)
    return answers_posted(data)


def errors(service, data):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in data.items():
        if isinstance(value, list):
            query.setlist(key, value)
        else:
            query[key] = value
    form = AnswersForm(query, service=service)
    form.is_valid()
    return {k: list(v) for k, v in form.errors.items()}


def test_good_answers_are_stored_as_json_values(service):
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    for key, value in good().items():
        query.setlist(key, value) if isinstance(value, list) else query.__setitem__(key, value)
    form = AnswersForm(query, service=service)
    assert form.is_valid(), form.errors
    assert "answer-name_plate" in query
    assert form.stored_answers() == {
        "name_plate": "AB12",
        "count": "3",
        "when": "2026-03-02",
        "dangerous": "no",
        "bin": "blue",
        "items": ["sofa", "fridge"],
    }


def test_several_of_a_list_renders_checkboxes_and_one_of_renders_radios(service):
    form = AnswersForm(service=service)
    template = Template("{% load govuk %}{% govuk_field form.items %}{% govuk_field form.bin %}")
    html = template.render(Context({"form": form}))
    assert html.count('type="checkbox"') == 2 and 'name="answer-items"' in html
    assert html.count('type="radio"') == 2 and 'name="answer-bin"' in html


def test_question_fields_live_in_their_own_namespace(council):
    """A question coded like a form's own field (``description``, ``street``) never
    shares its name or id: what the caller said is never taken for the place."""
    noise = ServiceFactory(council=council)
    QuestionFactory(service=noise, code="description", kind="long_text", order=1)
    QuestionFactory(service=noise, code="street", kind="short_text", order=2)
    form = AnswersForm(
        answers_posted({"description": "Loud music", "street": "x"})
        | {"description": "Outside number 12", "street": "High Street"},
        service=noise,
    )
    html = Template("{% load govuk %}{% govuk_field f.description %}").render(Context({"f": form}))
    assert 'name="answer-description"' in html and 'id="id_answer-description"' in html
    assert form.is_valid()
    assert form.stored_answers() == {"description": "Loud music", "street": "x"}
    with pytest.raises(ValidationError) as excinfo:
        validate_answers(noise, {"street": "x"})
    assert list(excinfo.value.message_dict) == ["answer-description"]


def test_photo_questions_are_not_on_the_answers_form(service):
    assert "photo" not in AnswersForm(service=service).fields


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name_plate", "", "Enter an answer to"),
        ("name_plate", "ABCDEFGHIJK", "10 characters or fewer"),
        ("count", "three", "Enter a number"),
        ("count", "0", "1 or more"),
        ("count", "11", "10 or less"),
        ("when_day", "", "must include a day"),
        ("when_month", "13", "must be a real date"),
        ("when_year", "26", "4 numbers"),
        ("dangerous", "", "Select yes or no"),
        ("dangerous", "maybe", "Select one of the answers listed"),
        ("bin", "green", "Select one of the answers listed"),
        ("bin", "", "Select an answer to"),
        ("items", [], "Select at least one"),
        ("items", ["sofa", "piano"], "Select only answers that are listed"),
    ],
)
def test_bad_answers_are_explained(service, field, value, message):
    found = errors(service, good(**{field: value}))
    target = field.split("_")[0] if field.startswith("when") else field
    assert any(message in m for m in found[target]), found


def test_future_dates_are_refused_unless_allowed(service):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    found = errors(
        service,
        good(
            when_day=str(tomorrow.day), when_month=str(tomorrow.month), when_year=str(tomorrow.year)
        ),
    )
    assert "today or in the past" in found["when"][0]


def test_validate_answers_for_api_channels(service):
    cleaned = validate_answers(
        service,
        {
            "name_plate": "AB12",
            "count": 2,
            "when": "2026-01-05",
            "dangerous": "yes",
            "bin": "black",
            "items": ["fridge"],
        },
    )
    assert cleaned["when"] == "2026-01-05"
    assert cleaned["count"] == "2"
    with pytest.raises(ValidationError) as excinfo:
        validate_answers(service, {"nonsense": "x"})
    assert "answer-nonsense" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        validate_answers(
            service,
            {
                "name_plate": "AB",
                "count": 2,
                "when": "5 Jan",
                "dangerous": "yes",
                "bin": "black",
                "items": ["fridge"],
            },
        )
    assert "YYYY-MM-DD" in excinfo.value.message_dict["answer-when"][0]
