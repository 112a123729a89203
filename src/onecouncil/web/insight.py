"""Insight tables as CSV: one shape for the staff dashboards and the public page."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse

from onecouncil.core.exports import csv_writer
from onecouncil.core.models import Council
from onecouncil.insight.figures import Filters, Table


def table_csv(council: Council, table: Table, filters: Filters) -> HttpResponse:
    """A table as CSV through the one CSV writer; withheld cells are "[c]"."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{council.slug}-{table.id}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv_writer(response)
    writer.writerow([column.label for column in table.columns])
    for row in table.rows:
        writer.writerow(
            [value.isoformat() if isinstance(value, dt.date) else value for value in row]
        )
    return response
