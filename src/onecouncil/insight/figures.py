"""Every figure on the dashboards and the performance page: one function per table, each
with its written definition (shown beside it and in docs/insight.md), computed by DuckDB
over one council's snapshot and limited by the reader's scope (``insight.access``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import duckdb
from django.utils.translation import gettext as _

from onecouncil.cases.models import Channel
from onecouncil.insight.access import Scope
from onecouncil.insight.models import InsightSettings
from onecouncil.insight.suppression import Rule, suppress_rows

# Online self-service: what "digital take-up" counts.
DIGITAL_CHANNELS = (Channel.WEB.value, Channel.API.value)
NOTHING = "\N{EN DASH}"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"  # text, count, percent, days, money, date, month


@dataclass
class Table:
    id: str
    title: str
    summary: str
    definition: str
    columns: list[Column]
    rows: list[list[Any]]
    chart: str = ""  # "line" or "bar"; empty for a table alone
    x: str = ""  # the column along the chart
    y: str = ""  # the column charted
    notes: list[str] = field(default_factory=list)

    def column(self, key: str) -> list[Any]:
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date  # inclusive
    service_id: int | None = None
    ward_code: str | None = None
    team_id: int | None = None
    channel: str | None = None


@dataclass
class Context:
    con: duckdb.DuckDBPyConnection
    scope: Scope
    filters: Filters
    settings: InsightSettings
    as_of: dt.datetime  # the snapshot's refresh time (UTC, aware)
    services: dict[int, tuple[str, bool]] = field(default_factory=dict)  # id -> name, public

    def __post_init__(self) -> None:
        self.services = {
            sid: (name, bool(public))
            for sid, name, public in self.con.execute(
                "SELECT service_id, name, is_public FROM services"
            ).fetchall()
        }

    def where(
        self, date_column: str | None, *, period: tuple[dt.date, dt.date] | None = None
    ) -> tuple[str, list[Any]]:
        """Scope, filters and (on ``date_column``) the period, as SQL and parameters."""
        sql, params = self.scope.where()
        parts, values = [sql], list(params)
        f = self.filters
        for column, value in (
            ("service_id", f.service_id),
            ("ward_code", f.ward_code),
            ("team_id", f.team_id),
            ("channel", f.channel),
        ):
            if value is not None:
                parts.append(f"{column} = ?")
                values.append(value)
        if date_column:
            start, end = period or (f.start, f.end)
            parts.append(f"{date_column} BETWEEN ? AND ?")
            values.extend([start, end])
        return " AND ".join(parts), values

    def rows(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def private(self, service_ids: Sequence[int]) -> list[bool]:
        """For each service id, whether its service is private (for ``suppress``)."""
        return [not self.services.get(sid, ("", False))[1] for sid in service_ids]

    def service_name(self, service_id: int) -> str:
        return self.services.get(service_id, ("?", False))[0]

    def suppress(
        self, table: Table, rule: Rule, private_rows: Sequence[bool] | None = None
    ) -> Table:
        """Councillors (and the public) see small numbers withheld. By-service tables
        withhold only private services' rows for councillors; anything else, every row."""
        threshold = self.scope.suppress_below
        if threshold is None:
            return table
        keys = [c.key for c in table.columns]
        before = table.rows
        table.rows = suppress_rows(keys, table.rows, rule, threshold, private_rows)
        if table.rows != before:
            # A total beside withheld cells would give them away.
            table.summary = _("Some numbers are withheld because they are small.")
        table.notes.append(
            _("Numbers below %(n)s, and rates and medians of groups that small, are withheld.")
            % {"n": threshold}
        )
        return table


def _pct(part: int | None, whole: int | None) -> float | None:
    if not whole or part is None:
        return None
    return round(100.0 * part / whole, 1)


def _weeks(start: dt.date, end: dt.date) -> list[dt.date]:
    first = start - dt.timedelta(days=start.weekday())
    return [first + dt.timedelta(weeks=n) for n in range((end - first).days // 7 + 1)]


def _months(start: dt.date, end: dt.date) -> list[dt.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


# --- Demand -------------------------------------------------------------------------------


def requests_by_week(ctx: Context) -> Table:
    where, params = ctx.where("created_date")
    counts = dict(
        ctx.rows(
            f"SELECT date_trunc('week', created_date)::DATE, count(*) FROM requests "  # noqa: S608
            f"WHERE {where} GROUP BY 1",
            params,
        )
    )
    rows = [[week, counts.get(week, 0)] for week in _weeks(ctx.filters.start, ctx.filters.end)]
    total = sum(r[1] for r in rows)
    table = Table(
        id="requests-by-week",
        title=_("Requests received each week"),
        summary=_("%(total)s requests in %(weeks)s weeks, %(top)s in the busiest week.")
        % {"total": total, "weeks": len(rows), "top": max((r[1] for r in rows), default=0)},
        definition=_(
            "Requests made in each week (Monday to Sunday, the council's local time) by any "
            "channel, including those later marked as duplicates."
        ),
        columns=[Column("week", _("Week beginning"), "date"), Column("requests", _("Requests"))],
        rows=rows,
        chart="line",
        x="week",
        y="requests",
    )
    return ctx.suppress(table, Rule(counts=["requests"]))


def requests_by_service(ctx: Context) -> Table:
    where, params = ctx.where("created_date")
    found = ctx.rows(
        f"SELECT service_id, count(*) FROM requests WHERE {where} "  # noqa: S608
        "GROUP BY 1 ORDER BY 2 DESC, 1",
        params,
    )
    total = sum(n for _s, n in found)
    rows = [[ctx.service_name(sid), n, _pct(n, total)] for sid, n in found]
    table = Table(
        id="requests-by-service",
        title=_("Requests by service"),
        summary=_("%(n)s services had requests; the most was %(top)s.")
        % {"n": len(rows), "top": rows[0][0] if rows else NOTHING},
        definition=_("Requests made in the period, by the service they were made for."),
        columns=[
            Column("service", _("Service"), "text"),
            Column("requests", _("Requests")),
            Column("share", _("Share of all requests"), "percent"),
        ],
        rows=rows,
        chart="bar",
        x="service",
        y="requests",
    )
    private = ctx.private([sid for sid, _n in found])
    return ctx.suppress(table, Rule(counts=["requests"], figures_of={"share": "requests"}), private)


def requests_by_ward(ctx: Context) -> Table:
    where, params = ctx.where("created_date")
    found = ctx.rows(
        "SELECT coalesce(w.name, ?), count(*) FROM requests r "  # noqa: S608
        f"LEFT JOIN wards w ON w.code = r.ward_code WHERE {where} "
        "GROUP BY 1 ORDER BY 2 DESC, 1",
        [_("No ward"), *params],
    )
    table = Table(
        id="requests-by-ward",
        title=_("Requests by ward"),
        summary=_("Requests came from %(n)s wards.") % {"n": len(found)},
        definition=_(
            "Requests made in the period, by the ward of the place they are about (or of "
            "the resident's address); 'No ward' where no place was given."
        ),
        columns=[Column("ward", _("Ward"), "text"), Column("requests", _("Requests"))],
        rows=[list(r) for r in found],
        chart="bar",
        x="ward",
        y="requests",
    )
    return ctx.suppress(table, Rule(counts=["requests"]))


def backlog_by_week(ctx: Context) -> Table:
    where, params = ctx.where(None)
    weeks = _weeks(ctx.filters.start, ctx.filters.end)
    found = dict(
        ctx.rows(
            f"""WITH opened AS (
                SELECT date_trunc('week', created_date)::DATE AS wk, count(*) AS n
                FROM requests WHERE {where} GROUP BY 1),
            closed AS (
                SELECT date_trunc('week', closed_date)::DATE AS wk, count(*) AS n
                FROM requests WHERE {where} AND closed_date IS NOT NULL GROUP BY 1),
            weeks AS (SELECT unnest(?::DATE[]) AS wk UNION SELECT wk FROM opened
                      UNION SELECT wk FROM closed)
            SELECT weeks.wk, sum(coalesce(opened.n, 0) - coalesce(closed.n, 0))
                OVER (ORDER BY weeks.wk) FROM weeks
            LEFT JOIN opened USING (wk) LEFT JOIN closed USING (wk)""",  # noqa: S608
            [*params, *params, weeks],
        )
    )
    rows = [[week, int(found.get(week) or 0)] for week in weeks]
    table = Table(
        id="backlog-by-week",
        title=_("Open requests at the end of each week"),
        summary=_("%(now)s open at the end of the last week shown.")
        % {"now": rows[-1][1] if rows else 0},
        definition=_(
            "Requests made by the end of the week and not closed by then. A request "
            "reopened after closing counts as open from its reopening until it closes again, "
            "and as closed before that."
        ),
        columns=[Column("week", _("Week beginning"), "date"), Column("open", _("Open"))],
        rows=rows,
        chart="line",
        x="week",
        y="open",
    )
    return ctx.suppress(table, Rule(counts=["open"]))


def overdue_now(ctx: Context) -> Table:
    where, params = ctx.where(None)
    as_of = ctx.as_of.astimezone(dt.UTC).replace(tzinfo=None)
    found = ctx.rows(
        "SELECT service_id, count(*) FILTER (due_at < ? AND NOT paused), count(*) "  # noqa: S608
        f"FROM requests WHERE is_open AND {where} GROUP BY 1 ORDER BY 2 DESC, 3 DESC",
        [as_of, *params],
    )
    rows = [[ctx.service_name(s), over, n, _pct(over, n)] for s, over, n in found]
    table = Table(
        id="overdue-now",
        title=_("Overdue now"),
        summary=_("%(over)s of %(open)s open requests are past their due date.")
        % {"over": sum(r[1] for r in rows), "open": sum(r[2] for r in rows)},
        definition=_(
            "Open requests past the due date their service-level clock holds, at the last "
            "refresh; requests waiting for the resident (clock paused) are not overdue."
        ),
        columns=[
            Column("service", _("Service"), "text"),
            Column("overdue", _("Overdue")),
            Column("open", _("Open")),
            Column("overdue_share", _("Share overdue"), "percent"),
        ],
        rows=rows,
        chart="bar",
        x="service",
        y="overdue",
    )
    private = ctx.private([s for s, _o, _n in found])
    return ctx.suppress(
        table,
        Rule(counts=["overdue", "open"], figures_of={"overdue_share": "open"}),
        private,
    )


# --- Service levels -------------------------------------------------------------------------


def within_target_by_month(ctx: Context) -> Table:
    where, params = ctx.where("closed_date")
    found = {
        month: (n, within)
        for month, n, within in ctx.rows(
            "SELECT date_trunc('month', closed_date)::DATE, count(*), "  # noqa: S608
            "count(*) FILTER (closed_at <= due_at) FROM requests "
            f"WHERE due_at IS NOT NULL AND {where} GROUP BY 1",
            params,
        )
    }
    rows = []
    for month in _months(ctx.filters.start, ctx.filters.end):
        n, within = found.get(month, (0, 0))
        rows.append([month, n, within, _pct(within, n)])
    closed = sum(r[1] for r in rows)
    table = Table(
        id="within-target-by-month",
        title=_("Closed within target, by month"),
        summary=_("%(pct)s of %(n)s requests with a target were closed within it.")
        % {"pct": _format_pct(_pct(sum(r[2] for r in rows), closed)), "n": closed},
        definition=_(
            "Of the requests closed in each month whose service has a target, the share "
            "closed by the due date the service-level clock held (time waiting for the "
            "resident does not count). Services without a target are left out."
        ),
        columns=[
            Column("month", _("Month closed"), "month"),
            Column("closed", _("Closed with a target")),
            Column("within", _("Within target")),
            Column("within_share", _("Within target (%)"), "percent"),
        ],
        rows=rows,
        chart="line",
        x="month",
        y="within_share",
    )
    return ctx.suppress(
        table, Rule(counts=["closed", "within"], figures_of={"within_share": "closed"})
    )


def service_levels_by_service(ctx: Context) -> Table:
    where, params = ctx.where("closed_date")
    found = ctx.rows(
        f"""SELECT service_id,
            count(*),
            count(*) FILTER (due_at IS NOT NULL),
            count(*) FILTER (due_at IS NOT NULL AND closed_at <= due_at),
            median(epoch(closed_at - created_at) / 86400.0),
            quantile_cont(epoch(closed_at - created_at) / 86400.0, 0.9),
            count(*) FILTER (reopened > 0),
            count(*) FILTER (is_duplicate)
        FROM requests WHERE {where} GROUP BY 1 ORDER BY 2 DESC, 1""",  # noqa: S608
        params,
    )
    rows = [
        [
            ctx.service_name(s),
            n,
            _pct(within, with_target),
            None if median is None else round(median, 1),
            None if p90 is None else round(p90, 1),
            _pct(reopened, n),
            duplicates,
        ]
        for s, n, with_target, within, median, p90, reopened, duplicates in found
    ]
    table = Table(
        id="service-levels-by-service",
        title=_("Service levels by service"),
        summary=_("%(n)s requests closed in the period across %(s)s services.")
        % {"n": sum(r[1] for r in rows), "s": len(rows)},
        definition=_(
            "Requests closed in the period. Within target: as above. Time to resolve: from "
            "the request to its (last) closing, in calendar days, the median and the 90th "
            "percentile. Reopen rate: the share of them reopened at least once. Duplicates: "
            "how many were closed as duplicates of another request."
        ),
        columns=[
            Column("service", _("Service"), "text"),
            Column("closed", _("Closed")),
            Column("within_share", _("Within target (%)"), "percent"),
            Column("median_days", _("Median days to resolve"), "days"),
            Column("p90_days", _("90th percentile days"), "days"),
            Column("reopen_rate", _("Reopen rate (%)"), "percent"),
            Column("duplicates", _("Duplicates")),
        ],
        rows=rows,
        chart="bar",
        x="service",
        y="median_days",
    )
    private = ctx.private([r[0] for r in found])
    return ctx.suppress(
        table,
        Rule(
            counts=["closed", "duplicates"],
            figures_of={
                "within_share": "closed",
                "median_days": "closed",
                "p90_days": "closed",
                "reopen_rate": "closed",
            },
        ),
        private,
    )


# --- Channels -----------------------------------------------------------------------------


def channel_mix_by_month(ctx: Context) -> Table:
    where, params = ctx.where("created_date")
    found: dict[dt.date, dict[str, int]] = {}
    for month, channel, n in ctx.rows(
        "SELECT date_trunc('month', created_date)::DATE, channel, count(*) "  # noqa: S608
        f"FROM requests WHERE {where} GROUP BY 1, 2",
        params,
    ):
        found.setdefault(month, {})[channel] = n
    channels = [c for c in Channel if any(c.value in m for m in found.values())]
    rows = []
    for month in _months(ctx.filters.start, ctx.filters.end):
        counts = found.get(month, {})
        total = sum(counts.values())
        digital = sum(counts.get(c, 0) for c in DIGITAL_CHANNELS)
        rows.append(
            [month, *(counts.get(c.value, 0) for c in channels), total, _pct(digital, total)]
        )
    shares: list[Any] = [row[-1] for row in rows]
    table = Table(
        id="channel-mix-by-month",
        title=_("Channels by month"),
        summary=_(
            "Digital take-up was %(first)s in the first month shown and %(last)s in the last."
        )
        % {
            "first": _format_pct(shares[0] if shares else None),
            "last": _format_pct(shares[-1] if shares else None),
        },
        definition=_(
            "Requests made each month by the channel they came through. Digital take-up: the "
            "share made online by residents themselves (the web and apps through the API)."
        ),
        columns=[
            Column("month", _("Month"), "month"),
            *(Column(c.value, str(c.label)) for c in channels),
            Column("requests", _("All channels")),
            Column("digital_share", _("Digital take-up (%)"), "percent"),
        ],
        rows=rows,
        chart="line",
        x="month",
        y="digital_share",
    )
    return ctx.suppress(
        table,
        Rule(
            counts=[c.value for c in channels] + ["requests"],
            figures_of={"digital_share": "requests"},
        ),
    )


def digital_take_up_by_service(ctx: Context) -> Table:
    where, params = ctx.where("created_date")
    found = ctx.rows(
        "SELECT service_id, count(*), count(*) FILTER (channel IN (?, ?)) "  # noqa: S608
        f"FROM requests WHERE {where} GROUP BY 1 ORDER BY 2 DESC, 1",
        [*DIGITAL_CHANNELS, *params],
    )
    rows = [[ctx.service_name(s), n, digital, _pct(digital, n)] for s, n, digital in found]
    table = Table(
        id="digital-take-up-by-service",
        title=_("Digital take-up by service"),
        summary=_("%(pct)s of requests in the period were made online.")
        % {"pct": _format_pct(_pct(sum(r[2] for r in rows), sum(r[1] for r in rows)))},
        definition=_(
            "Of the requests made for each service in the period, the share made online by "
            "residents themselves (the web and apps through the API)."
        ),
        columns=[
            Column("service", _("Service"), "text"),
            Column("requests", _("Requests")),
            Column("digital", _("Made online")),
            Column("digital_share", _("Digital take-up (%)"), "percent"),
        ],
        rows=rows,
        chart="bar",
        x="service",
        y="digital_share",
    )
    private = ctx.private([s for s, _n, _d in found])
    return ctx.suppress(
        table,
        Rule(counts=["requests", "digital"], figures_of={"digital_share": "requests"}),
        private,
    )


# --- Cost and savings -----------------------------------------------------------------------


def _volumes(ctx: Context, period: tuple[dt.date, dt.date]) -> dict[str, int]:
    where, params = ctx.where("created_date", period=period)
    return dict(
        ctx.rows(f"SELECT channel, count(*) FROM requests WHERE {where} GROUP BY 1", params)  # noqa: S608
    )


def _cost_per_transaction(
    volumes: dict[str, int], costs: dict[str, Decimal]
) -> tuple[Decimal | None, int]:
    costed = {c: n for c, n in volumes.items() if c in costs}
    count = sum(costed.values())
    if not count:
        return None, 0
    return sum((costs[c] * n for c, n in costed.items()), Decimal(0)) / count, count


def cost_by_channel(ctx: Context) -> Table:
    costs = ctx.settings.unit_costs()
    volumes = _volumes(ctx, (ctx.filters.start, ctx.filters.end))
    rows = []
    for channel in Channel:
        n = volumes.get(channel.value, 0)
        if not n and channel.value not in costs:
            continue
        unit = costs.get(channel.value)
        rows.append([str(channel.label), n, unit, None if unit is None else unit * n])
    total = sum((cost for *_r, cost in rows if isinstance(cost, Decimal)), Decimal(0))
    per, costed = _cost_per_transaction(volumes, costs)
    uncosted = sum(volumes.values()) - costed
    table = Table(
        id="cost-by-channel",
        title=_("Cost by channel"),
        summary=_("Handling the period's requests cost £%(total)s, £%(per)s a request on average.")
        % {"total": f"{total:,.2f}", "per": NOTHING if per is None else f"{per:,.2f}"},
        definition=_(
            "Requests made in the period through each channel, times what one transaction "
            "by that channel costs the council (set by the council; source below). Channels "
            "without a cost are left out of the total and the average."
        ),
        columns=[
            Column("channel", _("Channel"), "text"),
            Column("requests", _("Requests")),
            Column("unit_cost", _("Cost of one (£)"), "money"),
            Column("cost", _("Cost (£)"), "money"),
        ],
        rows=rows,
        chart="bar",
        x="channel",
        y="cost",
        notes=[
            _("Costs: %(source)s.")
            % {"source": ctx.settings.cost_source or _("set by the council")}
        ],
    )
    if uncosted:
        table.notes.append(
            _("%(n)s requests came through channels with no cost set and are not counted.")
            % {"n": uncosted}
        )
    return ctx.suppress(table, Rule(counts=["requests"], figures_of={"cost": "requests"}))


def financial_year_start(day: dt.date) -> dt.date:
    """1 April on or before ``day`` (the UK public sector's year)."""
    year = day.year if day >= dt.date(day.year, 4, 1) else day.year - 1
    return dt.date(year, 4, 1)


def savings(ctx: Context) -> Table:
    """Savings from channel shift against the council's baseline, in the period and in the
    financial year to date, with the projection to 31 March."""
    s = ctx.settings
    costs = s.unit_costs()
    rows: list[list[Any]] = []
    notes: list[str] = []
    summary = _("Set a baseline period in the insight settings to measure savings.")
    if s.baseline_start and s.baseline_end:
        baseline, _n = _cost_per_transaction(
            _volumes(ctx, (s.baseline_start, s.baseline_end)), costs
        )
        today = ctx.as_of.date()
        fy_start = financial_year_start(today)
        fy_end = dt.date(fy_start.year + 1, 3, 31)
        for label, period in (
            (_("Period shown"), (ctx.filters.start, ctx.filters.end)),
            (_("Financial year to date"), (fy_start, today)),
        ):
            current, volume = _cost_per_transaction(_volumes(ctx, period), costs)
            saved = (
                None
                if baseline is None or current is None
                else ((baseline - current) * volume).quantize(Decimal("0.01"))
            )
            rows.append([label, volume, baseline, current, saved])
        saved_fy = rows[1][4]
        weeks_gone = max((today - fy_start).days + 1, 1) / 7
        weeks_left = (fy_end - today).days / 7
        projection = (
            None
            if saved_fy is None
            else (saved_fy + saved_fy / Decimal(weeks_gone) * Decimal(weeks_left)).quantize(
                Decimal("0.01")
            )
        )
        rows.append([_("Projected to 31 March"), None, baseline, None, projection])
        if s.savings_target:
            rows.append([_("Target for the year"), None, None, None, s.savings_target])
            notes.append(
                _("Saved so far: %(pct)s of the target; projected: %(proj)s of it.")
                % {
                    "pct": _format_pct(_pct_money(saved_fy, s.savings_target)),
                    "proj": _format_pct(_pct_money(projection, s.savings_target)),
                }
            )
        summary = _("Saved £%(fy)s this financial year; projected £%(proj)s by 31 March.") % {
            "fy": NOTHING if saved_fy is None else f"{saved_fy:,.2f}",
            "proj": NOTHING if projection is None else f"{projection:,.2f}",
        }
        notes.append(
            _("Baseline: %(start)s to %(end)s.")
            % {"start": f"{s.baseline_start:%d %B %Y}", "end": f"{s.baseline_end:%d %B %Y}"}
        )
    table = Table(
        id="savings",
        title=_("Savings from channel shift"),
        summary=summary,
        definition=_(
            "Savings = requests x (baseline cost per request - current cost per request), "
            "where a cost per request is the cost of a period's requests by channel divided by "
            "their number, and the baseline is the period the council chose. The projection "
            "adds the weekly run rate of this financial year's savings for every week left to "
            "31 March."
        ),
        columns=[
            Column("what", _("Period"), "text"),
            Column("requests", _("Requests")),
            Column("baseline", _("Baseline cost per request (£)"), "money"),
            Column("current", _("Cost per request (£)"), "money"),
            Column("saved", _("Saved (£)"), "money"),
        ],
        rows=rows,
        notes=notes,
    )
    return ctx.suppress(table, Rule(counts=["requests"]))


def _pct_money(part: Decimal | None, whole: Decimal | None) -> float | None:
    if part is None or not whole:
        return None
    return round(float(100 * part / whole), 1)


def _format_pct(value: float | None) -> str:
    return NOTHING if value is None else f"{value:g}%"


Figure = Callable[[Context], Table]


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    figures: tuple[Figure, ...]


def dashboards() -> list[Dashboard]:
    return [
        Dashboard(
            "demand",
            _("Demand"),
            (requests_by_week, requests_by_service, requests_by_ward, backlog_by_week, overdue_now),
        ),
        Dashboard(
            "service-levels",
            _("Service levels"),
            (within_target_by_month, service_levels_by_service),
        ),
        Dashboard("channels", _("Channels"), (channel_mix_by_month, digital_take_up_by_service)),
        Dashboard("costs", _("Cost and savings"), (cost_by_channel, savings)),
    ]
