"""Validating answers to a service's questions: one form class for every channel.

The front door renders it, the assisted channel and the APIs validate with it, so a
rule holds the same wherever a request comes from.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from onecouncil.catalogue.models import Pattern, Question, QuestionKind, Service


class GovukDateWidget(forms.MultiWidget):
    """Day, month and year boxes (the GOV.UK date input pattern)."""

    def __init__(self) -> None:
        super().__init__(
            widgets={
                "day": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                "month": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
                "year": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
            }
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    def __init__(self, *, allow_future: bool, **kwargs: Any) -> None:
        self.allow_future = allow_future
        number = forms.CharField(required=False)
        super().__init__(
            fields=(number, number, number),
            require_all_fields=False,
            widget=GovukDateWidget(),
            **kwargs,
        )

    def compress(self, data_list: list[Any]) -> dt.date | None:
        if not data_list or not any(data_list):
            return None
        day, month, year = (str(v or "").strip() for v in data_list)
        missing = [
            name
            for name, value in ((_("day"), day), (_("month"), month), (_("year"), year))
            if not value
        ]
        if missing:
            raise ValidationError(
                _("The date must include a %(parts)s") % {"parts": _(" and ").join(missing)}
            )
        try:
            value = dt.date(int(year), int(month), int(day))
        except (ValueError, OverflowError):
            raise ValidationError(_("The date must be a real date, like 27 3 2026")) from None
        if len(year) != 4:
            raise ValidationError(_("The year must include 4 numbers"))
        if not self.allow_future and value > timezone.localdate():
            raise ValidationError(_("The date must be today or in the past"))
        return value


def _choices(question: Question) -> list[tuple[str, str]]:
    if question.kind == QuestionKind.YES_NO:
        return [("yes", _("Yes")), ("no", _("No"))]
    return [(str(o["value"]), str(o["label"])) for o in question.options]


def question_field(question: Question) -> forms.Field:
    kind = QuestionKind(question.kind)
    label = question.label
    required_message = {
        QuestionKind.ONE_OF: _("Select an answer to: %(q)s"),
        QuestionKind.YES_NO: _("Select yes or no for: %(q)s"),
        QuestionKind.SEVERAL_OF: _("Select at least one answer to: %(q)s"),
    }.get(kind, _("Enter an answer to: %(q)s")) % {"q": label}
    common: dict[str, Any] = {
        "label": label,
        "help_text": question.hint,
        "required": question.required,
        "error_messages": {"required": required_message},
    }
    if kind in (QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT):
        limit = question.effective_max_length
        field: forms.Field = forms.CharField(
            max_length=limit,
            widget=forms.Textarea(attrs={"rows": 5}) if kind == QuestionKind.LONG_TEXT else None,
            **common,
        )
        field.error_messages["max_length"] = _(
            "Your answer must be %(limit)s characters or fewer"
        ) % {"limit": limit}
        return field
    if kind == QuestionKind.NUMBER:
        field = forms.DecimalField(
            min_value=question.min_value,
            max_value=question.max_value,
            max_digits=12,
            decimal_places=2,
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            **common,
        )
        field.error_messages["invalid"] = _("Enter a number, like 3")
        if question.min_value is not None:
            field.error_messages["min_value"] = _("The number must be %(limit)s or more") % {
                "limit": _to_json(question.min_value)
            }
        if question.max_value is not None:
            field.error_messages["max_value"] = _("The number must be %(limit)s or less") % {
                "limit": _to_json(question.max_value)
            }
        return field
    if kind == QuestionKind.DATE:
        return GovukDateField(allow_future=question.allow_future_dates, **common)
    if kind in (QuestionKind.ONE_OF, QuestionKind.YES_NO):
        field = forms.ChoiceField(choices=_choices(question), widget=forms.RadioSelect, **common)
        field.error_messages["invalid_choice"] = _("Select one of the answers listed")
        return field
    if kind == QuestionKind.SEVERAL_OF:
        field = forms.MultipleChoiceField(
            choices=_choices(question), widget=forms.CheckboxSelectMultiple, **common
        )
        field.error_messages["invalid_choice"] = _("Select only answers that are listed")
        return field
    raise ValueError(f"Questions of kind {kind} are not answered on the form")


def answerable_questions(service: Service) -> list[Question]:
    return [q for q in service.questions.all() if q.kind != QuestionKind.PHOTO]


# Every step an online journey can have, in the order a journey meets them.
JOURNEY_STEPS = ("questions", "location", "photos", "contact", "check")


def has_photo_step(service: Service) -> bool:
    return service.pattern == Pattern.REPORT or any(
        q.kind == QuestionKind.PHOTO for q in service.questions.all()
    )


def journey_steps(service: Service) -> list[str]:
    """The steps of this service's online form: its questions (if it asks any), where
    (if it needs a place), photos (for reports, or when a question asks for one), then
    contact details and the check before sending."""
    steps = []
    if answerable_questions(service):
        steps.append("questions")
    if service.location_required:
        steps.append("location")
    if has_photo_step(service):
        steps.append("photos")
    return [*steps, "contact", "check"]


# Fields generated from a service's questions live in their own namespace on every form
# ("answer-<code>"), so no question code can clash with a form's own fields (a question
# coded ``description`` beside the place's description box, say). Codes themselves are
# unchanged everywhere else: stored answers, Open311 ``attribute[code]``, drafts.
ANSWER_PREFIX = "answer"


def answer_key(code: str) -> str:
    """The name of a question's field, and the key of its errors, on every form and in
    every ``ValidationError`` the writer raises."""
    return f"{ANSWER_PREFIX}-{code}"


def code_of(key: str) -> str | None:
    """The question code a field name or error key is about; None for the form's own
    fields (``description``, ``street``, ``email``…)."""
    prefix = f"{ANSWER_PREFIX}-"
    return key[len(prefix) :] if key.startswith(prefix) else None


class AnswersForm(forms.Form):
    """The form for a service's questions (photo questions are the photo step's).

    Its fields are named ``answer-<code>`` in HTML; ``cleaned_data`` and ``errors`` are
    keyed by the question's code.
    """

    def __init__(self, *args: Any, service: Service, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", ANSWER_PREFIX)
        super().__init__(*args, **kwargs)
        self.service = service
        self.questions = {q.code: q for q in answerable_questions(service)}
        for code, question in self.questions.items():
            self.fields[code] = question_field(question)

    def stored_answers(self) -> dict[str, Any]:
        """Cleaned answers as JSON-safe values, keyed by question code (blanks left out)."""
        return {
            code: _to_json(value)
            for code, value in self.cleaned_data.items()
            if value not in (None, "", [])
        }

    def as_typed(self) -> AnswersForm:
        """An unbound copy showing what was typed, without errors (for a page redrawn
        before its answers are checked, such as finding an address)."""
        typed = {name: self[name].value() for name in self.fields}
        return AnswersForm(initial=typed, service=self.service, prefix=self.prefix)


def _to_json(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return value


def initial_from_answers(service: Service, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Answers as stored, turned back into form initial values."""
    return dict(answers)


def validate_answers(service: Service, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Validate answers given as plain values (API and staff channels).

    Dates may be given as ``YYYY-MM-DD``; lists as lists. Raises ``ValidationError``
    keyed by ``answer_key(code)``, so a question's error never lands on a form's own field
    of the same name.
    """
    data: dict[str, Any] = {}
    questions = {q.code: q for q in answerable_questions(service)}
    unknown = sorted(set(answers) - set(questions))
    if unknown:
        raise ValidationError(
            {
                answer_key(code): [_("This service has no question with this code")]
                for code in unknown
            }
        )
    for code, value in answers.items():
        question = questions[code]
        if question.kind == QuestionKind.DATE and value:
            try:
                parsed = dt.date.fromisoformat(str(value)[:10])
            except ValueError:
                raise ValidationError(
                    {answer_key(code): [_("Enter a date as YYYY-MM-DD")]}
                ) from None
            key = answer_key(code)
            data[f"{key}_day"], data[f"{key}_month"], data[f"{key}_year"] = (
                parsed.day,
                parsed.month,
                parsed.year,
            )
        elif question.kind == QuestionKind.SEVERAL_OF:
            data[answer_key(code)] = (
                list(value)
                if isinstance(value, Iterable) and not isinstance(value, str)
                else [value]
            )
        else:
            data[answer_key(code)] = value
    form = AnswersForm(data=_QueryDict(data), service=service)
    if not form.is_valid():
        raise ValidationError({answer_key(k): list(v) for k, v in form.errors.items()})
    return form.stored_answers()


class _QueryDict(dict[str, Any]):
    """Enough of QueryDict's interface for MultipleChoiceField's widget."""

    def getlist(self, key: str, default: Any = None) -> list[Any]:
        value = self.get(key, default)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]


def _readable_date(value: str) -> str:
    """'2026-03-27' as '27 March 2026', the GOV.UK style; anything else as stored."""
    try:
        return date_format(dt.date.fromisoformat(value), "j F Y")
    except ValueError:
        return value


def answer_rows(service: Service, answers: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Stored answers as (question, text a person reads) rows: options by their labels,
    dates as people write them."""
    rows = []
    for question in answerable_questions(service):
        value = answers.get(question.code)
        if isinstance(value, list):
            shown = ", ".join(question.option_label(str(v)) for v in value)
        elif question.kind == QuestionKind.YES_NO and value:
            shown = _("Yes") if value == "yes" else _("No")
        elif question.kind == QuestionKind.ONE_OF and value:
            shown = question.option_label(str(value))
        elif question.kind == QuestionKind.DATE and value:
            shown = _readable_date(str(value))
        else:
            shown = "" if value is None else str(value)
        rows.append({"question": question, "value": shown})
    return rows
