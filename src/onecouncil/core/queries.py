"""Reading the one row a unique lookup finds.

``QuerySet.first()`` adds an ORDER BY (the model's ordering, or the primary key), and on
a query that joins related tables Django spends longer compiling that ORDER BY than the
database spends running the query (measured in docs/benchmarks.md: 5.6 of the tracking
page's 10 ms). A lookup on a unique key needs no order.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def the_one(queryset: QuerySet[M]) -> M | None:
    """The row ``queryset`` finds by a unique key, or None; unordered."""
    return next(iter(queryset.order_by()[:1]), None)
