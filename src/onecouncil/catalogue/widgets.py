"""The question options editor: one row per option (order, value, label), no JSON.

It works without JavaScript: the rows already saved, then a few blank ones to add more.
A row left blank is dropped; the order column sorts the list when it is saved.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

BLANK_ROWS = 3
MAX_ROWS = 200

Row = tuple[str, str, str]  # value, label, order as typed


def _rows_of(value: Any) -> list[Row]:
    """Rows to show for a saved list of options, its JSON, or rows typed and refused."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else []
        except ValueError:
            return []
    rows: list[Row] = []
    for index, item in enumerate(value or []):
        if isinstance(item, dict):
            rows.append((str(item.get("value", "")), str(item.get("label", "")), str(index + 1)))
        elif isinstance(item, list | tuple) and len(item) == 3:
            rows.append((str(item[0]), str(item[1]), str(item[2])))
    return rows


class OptionsWidget(forms.Widget):
    template_name = "catalogue/widgets/options.html"
    use_fieldset = True  # a group of inputs: the admin gives it a legend, not a label

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        rows = [r for r in _rows_of(value) if any(part.strip() for part in r[:2])]
        start = len(rows)
        rows += [("", "", str(start + n + 1)) for n in range(BLANK_ROWS)]
        context["widget"]["rows"] = [
            {"index": i, "value": v, "label": label, "order": o}
            for i, (v, label, o) in enumerate(rows)
        ]
        context["widget"]["count"] = len(rows)
        return context

    def value_from_datadict(self, data: Mapping[str, Any], files: Any, name: str) -> list[Row]:
        try:
            count = min(max(int(data.get(f"{name}-rows", 0)), 0), MAX_ROWS)
        except (TypeError, ValueError):
            count = 0
        return [
            (
                str(data.get(f"{name}-{i}-value", "")),
                str(data.get(f"{name}-{i}-label", "")),
                str(data.get(f"{name}-{i}-order", "")),
            )
            for i in range(count)
        ]

    def value_omitted_from_data(self, data: Mapping[str, Any], files: Any, name: str) -> bool:
        return f"{name}-rows" not in data


class OptionsField(forms.Field):
    """Cleans the editor's rows to ``[{"value": ..., "label": ...}]`` in the chosen order."""

    widget = OptionsWidget

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            _(
                "For questions with a list of answers. The value is what is stored and "
                "exported; the label is what residents read. Clear both to remove an option."
            ),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value

    def to_python(self, value: Any) -> list[dict[str, str]]:
        errors: list[ValidationError] = []
        kept: list[tuple[int, int, dict[str, str]]] = []
        for number, (raw_value, raw_label, raw_order) in enumerate(_rows_of(value), start=1):
            option_value, label, order = raw_value.strip(), raw_label.strip(), raw_order.strip()
            if "\x00" in option_value + label + order:
                errors.append(ValidationError(_("Null characters are not allowed.")))
                continue
            if not option_value and not label:
                continue
            if not option_value or not label:
                errors.append(
                    ValidationError(
                        _("Option %(number)s needs both a value and a label"),
                        params={"number": number},
                    )
                )
                continue
            if len(option_value) > 100 or len(label) > 200:
                errors.append(
                    ValidationError(
                        _(
                            "Option %(number)s is too long: a value has at most 100 "
                            "characters and a label at most 200"
                        ),
                        params={"number": number},
                    )
                )
                continue
            position = number
            if order:
                if not order.isascii() or not order.isdigit() or len(order) > 4:
                    errors.append(
                        ValidationError(
                            _("The order of option %(number)s must be a whole number, like 3"),
                            params={"number": number},
                        )
                    )
                    continue
                position = int(order)
            kept.append((position, number, {"value": option_value, "label": label}))
        if errors:
            raise ValidationError(errors)
        return [option for _position, _number, option in sorted(kept, key=lambda k: k[:2])]
