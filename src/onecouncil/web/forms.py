"""Helpers shared by the resident and staff forms."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from onecouncil.catalogue.answers import answer_rows

__all__ = ["answer_rows", "errors_from"]


def errors_from(form: forms.Form, extra: dict[str, list[str]] | None = None) -> None:
    """Attach domain validation errors (keyed by field name) to a bound form."""
    for field, messages in (extra or {}).items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, ValidationError(message))
