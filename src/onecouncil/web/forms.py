"""Helpers shared by the resident and staff forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from onecouncil.catalogue.answers import answerable_questions
from onecouncil.catalogue.models import QuestionKind, Service


def errors_from(form: forms.Form, extra: dict[str, list[str]] | None = None) -> None:
    """Attach domain validation errors (keyed by field name) to a bound form."""
    for field, messages in (extra or {}).items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, ValidationError(message))


def _readable_date(value: str) -> str:
    """'2026-03-27' as '27 March 2026', the GOV.UK style; anything else as stored."""
    try:
        return date_format(dt.date.fromisoformat(value), "j F Y")
    except ValueError:
        return value


def answer_rows(service: Service, answers: dict[str, Any]) -> list[dict[str, Any]]:
    """Stored answers as (question, text a person reads) rows."""
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
