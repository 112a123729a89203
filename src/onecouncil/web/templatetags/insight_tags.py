"""Showing insight's tables: a cell by its kind, and a table's chart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from onecouncil.insight.charts import chart
from onecouncil.insight.figures import DECIMALS_SHOWN, Table
from onecouncil.insight.suppression import Withheld

register = template.Library()


@register.simple_tag
def insight_cell(value: Any, kind: str) -> str | SafeString:
    if isinstance(value, Withheld):
        return format_html('<span class="oc-withheld">{}</span>', _("withheld"))
    if value is None:
        return "\N{EN DASH}"
    if kind == "month" and isinstance(value, dt.date):
        return f"{value:%B %Y}"
    if kind == "date" and isinstance(value, dt.date):
        return f"{value:%d %b %Y}"
    if kind == "percent":
        return f"{value:g}%"
    if kind == "money" and isinstance(value, Decimal | int | float):
        return f"£{value:,.2f}"
    if kind in ("days", "decimal"):
        return number_format(value, DECIMALS_SHOWN)
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


@register.simple_tag
def insight_chart(table: Table) -> SafeString | str:
    return chart(table) or ""


NUMERIC_KINDS = ("count", "percent", "days", "decimal", "money")


@register.simple_tag
def numeric_kinds() -> tuple[str, ...]:
    return NUMERIC_KINDS


@register.filter
def insight_rows(table: Table) -> list[list[tuple[str | SafeString, bool]]]:
    """Each row's cells, shown by their column's kind, with whether they are numbers."""
    kinds = [column.kind for column in table.columns]
    return [
        [
            (insight_cell(value, kind), kind in NUMERIC_KINDS)
            for value, kind in zip(row, kinds, strict=True)
        ]
        for row in table.rows
    ]
