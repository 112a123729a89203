"""The one CSV writer for every export (staff queues now; insight and open data later).

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return before one) as a formula, so a resident who types ``=HYPERLINK(...)`` as
their street could attack whoever opens the export. Text cells that begin with one of
those characters are written with a leading apostrophe, which spreadsheets show as text;
numbers, including negative ones such as a longitude of -1.89, stay numbers.
"""

from __future__ import annotations

import csv
import decimal
from collections.abc import Iterable
from typing import Any, Protocol

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def _is_number(text: str) -> bool:
    try:
        decimal.Decimal(text)
    except decimal.InvalidOperation:
        return False
    return text.strip() == text and text.lower() not in ("nan", "-nan", "inf", "-inf")


def safe_cell(value: object) -> object:
    """A cell's value as it is safe to write."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | decimal.Decimal):
        return value
    text = str(value)
    if text.startswith(DANGEROUS_FIRST) and not _is_number(text):
        return "'" + text
    return text


class SafeCsvWriter:
    def __init__(self, handle: _Writable) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])


def csv_writer(handle: _Writable) -> SafeCsvWriter:
    return SafeCsvWriter(handle)
