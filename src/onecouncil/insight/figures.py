"""Every figure on the dashboards and the performance page: one function per table, each
with its written definition (shown beside it and in docs/insight.md), computed by DuckDB
over one council's snapshot and limited by the reader's scope (``insight.access``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
from django.utils.translation import gettext as _

from onecouncil.cases.models import Channel
from onecouncil.insight import forecasts
from onecouncil.insight.access import Scope
from onecouncil.insight.journeys import STEP_ORDER, step_label
from onecouncil.insight.models import InsightSettings
from onecouncil.insight.suppression import Rule, suppress_rows
from onecouncil.sensors.kinds import DeviceKind

# Online self-service: what "digital take-up" counts.
DIGITAL_CHANNELS = (Channel.WEB.value, Channel.API.value)
SENSOR_CHANNEL = Channel.SENSOR.value
NOTHING = "\N{EN DASH}"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "count"  # text, count, percent, days, decimal, money, date, month


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
    # Places to show on a map beside the table (latitude, longitude, title, asset, state).
    points: list[dict[str, Any]] = field(default_factory=list)

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
    zone: ZoneInfo  # the council's, for the times shown
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

    def has(self, table: str) -> bool:
        """Whether the snapshot has this table (one published before it existed has not)."""
        found = self.con.execute(
            "SELECT count(*) FROM duckdb_views() WHERE view_name = ?", [table]
        ).fetchone()
        return bool(found and found[0])

    def private(self, service_ids: Sequence[int]) -> list[bool]:
        """For each service id, whether its service is private (for ``suppress``)."""
        return [not self.services.get(sid, ("", False))[1] for sid in service_ids]

    def whole_services(self) -> bool:
        """Whether this view takes in whole services (no team or ward limit): what
        figures counted by service alone (journeys, forecasts) need."""
        f = self.filters
        return (
            self.scope.team_ids is None
            and self.scope.ward_codes is None
            and f.team_id is None
            and f.ward_code is None
        )

    def service_where(self) -> tuple[str, list[Any]]:
        """The scope and the service filter alone, for figures counted by service."""
        sql, params = self.scope.where()
        if self.filters.service_id is not None:
            sql += " AND service_id = ?"
            params = [*params, self.filters.service_id]
        return sql, params

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
        # "No ward" is a row (requests with no place), never counted as a ward.
        summary=_("Requests came from %(n)s wards.")
        % {"n": sum(1 for name, _count in found if name != _("No ward"))},
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


def _pence(amount: Decimal | None) -> Decimal | None:
    return None if amount is None else amount.quantize(Decimal("0.01"))


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
            # Costs a request shown in pounds and pence (the table and its CSV), the
            # savings worked out from them unrounded.
            rows.append([label, volume, _pence(baseline), _pence(current), saved])
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
        rows.append([_("Projected to 31 March"), None, _pence(baseline), None, projection])
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


# --- Satisfaction ---------------------------------------------------------------------------


def _satisfaction(
    ctx: Context,
    group: str,
    name_of: Callable[[Any], str],
    ids: tuple[str, str, str],
    by_service: bool = False,
) -> Table:
    """Ratings of requests closed in the period, grouped by ``group`` (an SQL expression
    over requests ``r``)."""
    where, params = ctx.where("closed_date")
    found = ctx.rows(
        f"""SELECT {group} AS key, count(*), avg(g.score), count(*) FILTER (g.score >= 4)
        FROM ratings g JOIN requests r USING (case_id)
        WHERE {where} GROUP BY 1 ORDER BY 2 DESC, 1""",  # noqa: S608 - fixed expressions
        params,
    )
    table_id, title, label = ids
    names = [name_of(k) for k, *_r in found]
    rows = [
        [name, n, round(mean, 1), _pct(satisfied, n)]
        for name, (_k, n, mean, satisfied) in zip(names, found, strict=True)
    ]
    total = sum(r[1] for r in rows)
    table = Table(
        id=table_id,
        title=title,
        summary=_("%(n)s ratings; %(pct)s satisfied or very satisfied.")
        % {"n": total, "pct": _format_pct(_pct(sum(s for *_r, _m, s in found), total))},
        definition=_(
            "Ratings residents gave, from 1 (very dissatisfied) to 5 (very satisfied), of "
            "requests closed in the period, from the link in the update that closed them. "
            "Satisfied: a rating of 4 or 5."
        ),
        columns=[
            Column("key", label, "text"),
            Column("ratings", _("Ratings")),
            Column("average", _("Average (out of 5)"), "decimal"),
            Column("satisfied_share", _("Satisfied (%)"), "percent"),
        ],
        rows=rows,
        chart="bar",
        x="key",
        y="satisfied_share",
    )
    private = ctx.private([k for k, *_r in found]) if by_service else None
    return ctx.suppress(
        table,
        Rule(counts=["ratings"], figures_of={"average": "ratings", "satisfied_share": "ratings"}),
        private,
    )


def satisfaction_by_service(ctx: Context) -> Table:
    ids = ("satisfaction-by-service", _("Satisfaction by service"), _("Service"))
    return _satisfaction(ctx, "r.service_id", ctx.service_name, ids, by_service=True)


def satisfaction_by_channel(ctx: Context) -> Table:
    ids = ("satisfaction-by-channel", _("Satisfaction by channel"), _("Channel"))
    return _satisfaction(
        ctx, "r.channel", lambda c: str(Channel(c).label) if c in Channel.values else c, ids
    )


def satisfaction_by_team(ctx: Context) -> Table:
    team = "(SELECT t.name FROM teams t WHERE t.team_id = r.team_id)"
    ids = ("satisfaction-by-team", _("Satisfaction by team"), _("Team"))
    return _satisfaction(ctx, team, lambda name: name or _("No team"), ids)


def page_usefulness(ctx: Context) -> Table:
    """Administrators only: a page is every service's."""
    rows: list[list[Any]] = []
    if ctx.scope.sees_everything:
        found = ctx.rows(
            "SELECT page, sum(n), sum(n) FILTER (useful) FROM page_feedback "
            "WHERE day BETWEEN ? AND ? GROUP BY 1 ORDER BY 2 DESC, 1",
            [ctx.filters.start, ctx.filters.end],
        )
        rows = [[page.removeprefix("frontdoor:"), n, _pct(yes or 0, n)] for page, n, yes in found]
    return Table(
        id="page-usefulness",
        title=_("Is this page useful?"),
        summary=_("%(n)s answers about %(p)s pages.")
        % {"n": sum(r[1] for r in rows), "p": len(rows)},
        definition=_(
            "Answers to 'Is this page useful?' at the foot of every resident page, by page, "
            "in the period. Shown to administrators only."
        ),
        columns=[
            Column("page", _("Page"), "text"),
            Column("answers", _("Answers")),
            Column("useful_share", _("Useful (%)"), "percent"),
        ],
        rows=rows,
    )


# --- Online journeys ----------------------------------------------------------------------


def journey_steps(ctx: Context) -> Table:
    """Completion and drop-off per step of the online journey."""
    f = ctx.filters
    rows: list[list[Any]] = []
    notes: list[str] = []
    started = completed = 0
    if ctx.whole_services():
        sql, params = ctx.service_where()
        if f.channel is not None:
            sql += " AND channel = ?"
            params.append(f.channel)
        counts: dict[tuple[str, str], int] = {
            (step, event): int(n)
            for step, event, n in ctx.rows(
                f"SELECT step, event, sum(n) FROM journeys WHERE {sql} "  # noqa: S608
                "AND day BETWEEN ? AND ? GROUP BY 1, 2",
                [*params, f.start, f.end],
            )
        }
        started = counts.get(("start", "started"), 0)
        completed = counts.get(("check", "completed"), 0)
        steps = sorted(
            {step for step, _e in counts if step != "start"},
            key=lambda s: (STEP_ORDER.index(s) if s in STEP_ORDER else len(STEP_ORDER), s),
        )
        for step in steps:
            reached = counts.get((step, "reached"), 0)
            submitted = counts.get((step, "submitted"), 0)
            rows.append(
                [
                    step_label(step),
                    reached,
                    submitted,
                    _pct(reached, started),
                    _pct(max(reached - submitted, 0), reached),
                ]
            )
    else:
        notes.append(_whole_services_note())
    table = Table(
        id="journey-steps",
        title=_("Online journeys, step by step"),
        summary=_("%(started)s online journeys started and %(done)s finished (%(pct)s).")
        % {"started": started, "done": completed, "pct": _format_pct(_pct(completed, started))},
        definition=_(
            "Journeys on the council's website, from the first step of a service's form to "
            "sending it, each counted once however often a page is reloaded. Reached: "
            "journeys that opened the step. Drop-off: of those, the share that did not go on "
            "from it (for 'Check and send', did not send). Completion rate: journeys that "
            "sent a request, of those started."
        ),
        columns=[
            Column("step", _("Step"), "text"),
            Column("reached", _("Reached")),
            Column("submitted", _("Went on")),
            Column("reached_share", _("Of journeys started (%)"), "percent"),
            Column("drop_off", _("Drop-off (%)"), "percent"),
        ],
        rows=rows,
        chart="bar",
        x="step",
        y="drop_off",
        notes=notes,
    )
    return ctx.suppress(
        table,
        Rule(
            counts=["reached", "submitted"],
            figures_of={"reached_share": "reached", "drop_off": "reached"},
        ),
    )


# --- The public performance page --------------------------------------------------------------


# The public page's one population: every column counts the requests made in the period,
# so no figure can be larger than the requests it is a part of.


def _same_requests() -> str:
    return _(
        "Every figure counts the same requests: those made in the period shown. Closed "
        "with a target, ratings and the shares are parts of them, so none is ever more "
        "than the requests."
    )


def _made_figures(ctx: Context, group: str) -> list[tuple[Any, ...]]:
    """Per ``group`` (a column or expression), of the requests made in the period: how
    many, raised by sensors, made online, closed with a target, closed within it, rated,
    rated 4 or 5."""
    where, params = ctx.where("created_date")
    return ctx.rows(
        f"""SELECT {group},
            count(*),
            count(*) FILTER (r.channel = ?),
            count(*) FILTER (r.channel IN (?, ?)),
            count(*) FILTER (r.closed_at IS NOT NULL AND r.due_at IS NOT NULL),
            count(*) FILTER (r.closed_at IS NOT NULL AND r.closed_at <= r.due_at),
            count(g.score), count(*) FILTER (g.score >= 4)
        FROM requests r LEFT JOIN ratings g USING (case_id)
        WHERE {where} GROUP BY 1""",  # noqa: S608
        [SENSOR_CHANNEL, *DIGITAL_CHANNELS, *params],
    )


def performance_by_month(ctx: Context) -> Table:
    """The public page's chart: requests made each month, and the share of those closed
    with a target that were closed within it."""
    found = {
        row[0]: row[1:] for row in _made_figures(ctx, "date_trunc('month', created_date)::DATE")
    }
    rows = []
    for month in _months(ctx.filters.start, ctx.filters.end):
        n, sensed, _online, with_target, within, _r, _s = found.get(month, (0,) * 7)
        rows.append([month, n, sensed, with_target, _pct(within, with_target)])
    table = Table(
        id="performance-by-month",
        title=_("Requests each month"),
        summary=_("%(n)s requests over %(months)s months.")
        % {"n": sum(r[1] for r in rows), "months": len(rows)},
        definition=_(
            "Requests: made in the month, by any channel. Raised by sensors: of those, the "
            "ones the council's own sensors raised (a full bin, a failed light), not a "
            "person. Closed with a target: of the requests, the ones closed so far whose "
            "service has a target. Within target: the share of those closed by the date the "
            "target set (time waiting for the resident does not count)."
        ),
        columns=[
            Column("month", _("Month made"), "month"),
            Column("requests", _("Requests")),
            Column("sensors", _("Raised by sensors")),
            Column("closed", _("Closed with a target")),
            Column("within_share", _("Closed within target (%)"), "percent"),
        ],
        rows=rows,
        chart="line",
        x="month",
        y="requests",
        notes=[_same_requests()],
    )
    return ctx.suppress(
        table,
        Rule(counts=["requests", "sensors", "closed"], figures_of={"within_share": "closed"}),
    )


def performance_by_service(ctx: Context) -> Table:
    """Headline figures per service for everyone: volumes, within target, satisfaction
    and digital take-up, all of the requests made in the period; no free text, small
    numbers withheld."""
    rows = []
    found = {row[0]: row[1:] for row in _made_figures(ctx, "r.service_id")}
    for sid in sorted(found, key=lambda s: ctx.service_name(s)):
        n, sensed, online, with_target, within, ratings, satisfied = found[sid]
        rows.append(
            [
                ctx.service_name(sid),
                n,
                sensed,
                n - sensed,
                _pct(online, n - sensed),
                with_target,
                _pct(within, with_target),
                ratings,
                _pct(satisfied, ratings),
            ]
        )
    table = Table(
        id="performance-by-service",
        title=_("How each service is doing"),
        summary=_("%(n)s services, over the period shown.") % {"n": len(rows)},
        definition=_(
            "Requests: made in the period, by any channel. Raised by sensors: of them, those "
            "the council's own sensors raised; made by people: the rest. Made online: the "
            "share of those made by people that residents made themselves on the website or "
            "through apps. Closed with a "
            "target: of them, those closed so far whose service has a target. Closed within "
            "target: the share of those closed by the date the target set (time waiting for "
            "the resident does not count). Ratings: of them, those whose resident rated how "
            "we did (from 1 to 5). Satisfied: the share of ratings that were 4 or 5."
        ),
        columns=[
            Column("service", _("Service"), "text"),
            Column("requests", _("Requests")),
            Column("sensors", _("Raised by sensors")),
            Column("people", _("Made by people")),
            Column("online_share", _("Made online (%)"), "percent"),
            Column("closed", _("Closed with a target")),
            Column("within_share", _("Closed within target (%)"), "percent"),
            Column("ratings", _("Ratings")),
            Column("satisfied_share", _("Satisfied (%)"), "percent"),
        ],
        rows=rows,
        chart="bar",
        x="service",
        y="requests",
        notes=[_same_requests()],
    )
    return ctx.suppress(
        table,
        Rule(
            counts=["requests", "sensors", "people", "closed", "ratings"],
            figures_of={
                "online_share": "people",
                "within_share": "closed",
                "satisfied_share": "ratings",
            },
        ),
    )


def _whole_services_note() -> str:
    return _(
        "This is counted by service only, not by team or ward, so it is shown without a "
        "team or ward filter, to those who see whole services."
    )


# --- Forecasts ------------------------------------------------------------------------------


def _fits(ctx: Context) -> list[tuple[Any, ...]]:
    """The newest fit of each service in scope."""
    sql, params = ctx.service_where()
    return ctx.rows(
        "SELECT service_id, status, weeks, mase, mase_naive, fitted_week, fitted_at "  # noqa: S608
        f"FROM forecast_fits WHERE {sql} AND fitted_week = "
        "(SELECT max(fitted_week) FROM forecast_fits) ORDER BY service_id",
        params,
    )


# Decimal figures are shown to this many places (the tables, their CSV and the verdicts).
DECIMALS_SHOWN = 1


def beats_naive(mase: float | None, naive: float | None) -> bool:
    """Whether a forecast is better than "the same as last year", as the figures shown
    say: an error that rounds to the naive one's is not better."""
    if mase is None or naive is None:
        return False
    return round(mase, DECIMALS_SHOWN) < round(naive, DECIMALS_SHOWN)


def _verdict(status: str, mase: float | None, naive: float | None) -> str:
    if status == forecasts.TOO_SHORT:
        return _(
            "Not forecast: fewer than %(n)s weeks of requests (two years to learn the "
            "seasons, and 13 weeks to test the forecast)."
        ) % {"n": forecasts.MIN_WEEKS}
    if status == forecasts.TOO_FEW:
        return _("Not forecast: too few requests a week for a forecast to mean anything.")
    if status == forecasts.FAILED:
        return _("Not forecast: the model could not be fitted to this service's requests.")
    if mase is None or naive is None:
        return _("Forecast, but its accuracy could not be measured.")
    if beats_naive(mase, naive):
        return _("Better than assuming the same as last year: usable.")
    return _("No better than assuming the same as last year: do not rely on it.")


def forecast_accuracy(ctx: Context) -> Table:
    rows: list[list[Any]] = []
    notes: list[str] = []
    fitted_at = None
    if ctx.whole_services():
        found = _fits(ctx)
        sql, params = ctx.service_where()
        ahead = dict(
            ctx.rows(
                f"SELECT service_id, sum(mean) FROM forecasts WHERE {sql} "  # noqa: S608
                "AND fitted_week = (SELECT max(fitted_week) FROM forecast_fits) GROUP BY 1",
                params,
            )
        )
        for service_id, status, weeks, mase, naive, _w, at in found:
            fitted_at = at
            total = ahead.get(service_id)
            rows.append(
                [
                    ctx.service_name(service_id),
                    weeks,
                    None if total is None else round(total),
                    mase,
                    naive,
                    _verdict(status, mase, naive),
                ]
            )
        rows.sort(key=lambda r: (r[2] is None, -(r[2] or 0), r[0]))
    else:
        notes.append(_whole_services_note())
    usable = sum(1 for r in rows if beats_naive(r[3], r[4]))
    table = Table(
        id="forecast-accuracy",
        title=_("Forecasts by service, and how far to trust them"),
        summary=_("%(ok)s of %(n)s services have a forecast better than last year's pattern.")
        % {"ok": usable, "n": len(rows)},
        definition=_(
            "Requests expected in the next 13 weeks, from statsforecast's MSTL model (a "
            "52-week season, with the trend forecast by AutoARIMA taking account of bank "
            "holidays), refitted each week from every whole week of requests so far. "
            "Accuracy: the last 13 weeks were forecast from the weeks before them and "
            "compared with what happened, as MASE (the average error over the average "
            "difference between a week and the same week a year before; lower is better). "
            "The same is shown for simply assuming the same as last year: trust a forecast "
            "only where its MASE is lower."
        ),
        columns=[
            Column("service", _("Service"), "text"),
            Column("weeks", _("Weeks of history")),
            Column("next_13", _("Expected in the next 13 weeks")),
            Column("mase", _("Accuracy (MASE)"), "decimal"),
            Column("mase_naive", _("Same as last year (MASE)"), "decimal"),
            Column("verdict", _("Verdict"), "text"),
        ],
        rows=rows,
        notes=notes,
    )
    if fitted_at is not None:
        table.notes.append(_("Fitted %(when)s (UTC).") % {"when": f"{fitted_at:%d %B %Y %H:%M}"})
    return table


def forecast_weeks(ctx: Context) -> Table:
    """One service's last 26 weeks (with what was forecast for them) and next 13."""
    rows: list[list[Any]] = []
    notes: list[str] = []
    title = _("Forecast")
    service_id = None
    if ctx.whole_services():
        usable = [r for r in _fits(ctx) if r[1] == forecasts.OK]
        if ctx.filters.service_id is not None:
            service_id = ctx.filters.service_id if usable else None
        elif usable:
            volumes = dict(
                ctx.rows(
                    "SELECT service_id, count(*) FROM requests GROUP BY 1",  # whole history
                    [],
                )
            )
            service_id = max(usable, key=lambda r: volumes.get(r[0], 0))[0]
        if service_id is None:
            notes.append(_("No service in this view has a forecast; see the table above."))
        else:
            title = _("Forecast for %(service)s") % {"service": ctx.service_name(service_id)}
            rows = _forecast_rows(ctx, service_id)
            notes.append(
                _(
                    "In the chart: requests as a solid blue line, the forecast as a dashed "
                    "purple line, and its 80% and 95% ranges as dark and light shading."
                )
            )
            if ctx.filters.service_id is None:
                notes.append(_("Choose a service above to see its forecast."))
    else:
        notes.append(_whole_services_note())
    future = [r for r in rows if r[1] is None]
    return Table(
        id="forecast-weeks",
        title=title,
        summary=_("%(n)s requests expected in the next %(weeks)s weeks.")
        % {"n": f"{sum(r[2] for r in future):,.0f}", "weeks": len(future)}
        if future
        else _("No forecast to show."),
        definition=_(
            "Requests in each of the last 26 whole weeks, with what the forecast made before "
            "each week expected; then the next 13 weeks, with the range the requests should "
            "fall in 80 and 95 times in 100. The period chosen above does not apply."
        ),
        columns=[
            Column("week", _("Week beginning"), "date"),
            Column("actual", _("Requests")),
            Column("forecast", _("Forecast"), "decimal"),
            Column("lo80", _("80% low"), "decimal"),
            Column("hi80", _("80% high"), "decimal"),
            Column("lo95", _("95% low"), "decimal"),
            Column("hi95", _("95% high"), "decimal"),
        ],
        rows=rows,
        chart="forecast" if rows else "",
        x="week",
        y="forecast",
        notes=notes,
    )


def _forecast_rows(ctx: Context, service_id: int) -> list[list[Any]]:
    (latest,) = ctx.rows("SELECT max(fitted_week) FROM forecast_fits", [])[0]
    first = latest - dt.timedelta(weeks=26)
    actual = dict(
        ctx.rows(
            "SELECT date_trunc('week', created_date)::DATE, count(*) FROM requests "
            "WHERE service_id = ? AND created_date >= ? AND created_date < ? GROUP BY 1",
            [service_id, first, latest],
        )
    )
    # For each past week, the newest forecast made before it.
    earlier = {
        week: values
        for week, *values in ctx.rows(
            "SELECT week, arg_max(mean, fitted_week), arg_max(lo80, fitted_week), "
            "arg_max(hi80, fitted_week), arg_max(lo95, fitted_week), "
            "arg_max(hi95, fitted_week) FROM forecasts WHERE service_id = ? "
            "AND week >= ? AND week < ? AND fitted_week <= week GROUP BY 1",
            [service_id, first, latest],
        )
    }
    rows: list[list[Any]] = []
    for i in range(26):
        week = first + dt.timedelta(weeks=i)
        rows.append([week, actual.get(week, 0), *earlier.get(week, [None] * 5)])
    for week, *values in ctx.rows(
        "SELECT week, mean, lo80, hi80, lo95, hi95 FROM forecasts "
        "WHERE service_id = ? AND fitted_week = ? ORDER BY week",
        [service_id, latest],
    ):
        rows.append([week, None, *values])
    return rows


def _pct_money(part: Decimal | None, whole: Decimal | None) -> float | None:
    if part is None or not whole:
        return None
    return round(float(100 * part / whole), 1)


# --- Sensors ------------------------------------------------------------------------------
# The devices' tables (``sensors.insight``) hold council infrastructure, not people; the
# reader's scope still limits which devices they see: a service manager's are those whose
# rules raise requests for their services, a team leader's those on their teams' assets,
# a councillor's those in their wards.

BATTERY_LOW = 0.2


def _in(column: str, values: frozenset[int] | frozenset[str]) -> tuple[str, list[Any]]:
    if not values:
        return "FALSE", []
    return f"{column} IN ({', '.join('?' for _v in values)})", sorted(values, key=str)


def _devices_where(ctx: Context) -> tuple[str, list[Any]]:
    """The scope and the filters (service, ward, team) over ``devices``."""
    parts: list[str] = ["TRUE"]
    params: list[Any] = []
    scope, f = ctx.scope, ctx.filters
    serving = "identifier IN (SELECT identifier FROM device_services WHERE {})"
    if scope.service_ids is not None:
        sql, values = _in("service_id", scope.service_ids)
        parts.append(serving.format(sql))
        params.extend(values)
    limits: tuple[tuple[str, frozenset[int] | frozenset[str] | None], ...] = (
        ("team_id", scope.team_ids),
        ("ward_code", scope.ward_codes),
    )
    for column, limit in limits:
        if limit is not None:
            sql, found = _in(column, limit)
            parts.append(sql)
            params.extend(found)
    if f.service_id is not None:
        parts.append(serving.format("service_id = ?"))
        params.append(f.service_id)
    for column, value in (("ward_code", f.ward_code), ("team_id", f.team_id)):
        if value is not None:
            parts.append(f"{column} = ?")
            params.append(value)
    return " AND ".join(parts), params


def _device_state(silent: bool, firing: int, battery: float | None) -> tuple[str, str]:
    """(the marker's state, the words for it), worst first."""
    if firing:
        return "alarm", _("Alarm raised")
    if silent:
        return "silent", _("Silent")
    if battery is not None and battery < BATTERY_LOW:
        return "battery", _("Battery low")
    return "ok", _("Working")


STATE_ORDER = ("alarm", "silent", "battery", "ok")


def sensor_devices(ctx: Context) -> Table:
    """Each device the reader may see: its asset, ward, last reading and health, on a map
    and as a table, the ones needing attention first. The latest state, whatever the
    period."""
    if not ctx.has("devices"):
        found: list[tuple[Any, ...]] = []
    else:
        where, params = _devices_where(ctx)
        found = ctx.rows(
            "SELECT d.identifier, d.kind, d.asset, d.asset_label, w.name, d.latitude, "  # noqa: S608
            "d.longitude, d.last_seen_at, d.battery, d.silent, d.latest, d.firing "
            "FROM devices d LEFT JOIN wards w ON w.code = d.ward_code "
            f"WHERE {where} ORDER BY d.identifier",
            params,
        )
    kinds = dict(DeviceKind.choices)
    listed, points, counts = [], [], dict.fromkeys(STATE_ORDER, 0)
    for ident, kind, asset, label, ward, lat, lon, seen, battery, silent, latest, firing in found:
        state, words = _device_state(silent, firing, battery)
        counts[state] += 1
        seen_text = (
            f"{seen.replace(tzinfo=dt.UTC).astimezone(ctx.zone):%d %b %Y %H:%M}" if seen else None
        )
        battery_pct = None if battery is None else round(100 * battery)
        row = [words, ident, kinds.get(kind, kind), label or NOTHING, ward, seen_text]
        listed.append((STATE_ORDER.index(state), ident, [*row, battery_pct, latest or NOTHING]))
        if lat is not None and lon is not None:
            title = f"{ident}: {label or kinds.get(kind, kind)}, {words}"
            points.append(
                {"latitude": lat, "longitude": lon, "title": title, "asset": asset, "state": state}
            )
    rows = [row for _order, _ident, row in sorted(listed, key=lambda item: item[:2])]
    return Table(
        id="sensor-devices",
        title=_("The council's sensors"),
        summary=_(
            "%(n)s devices: %(alarm)s with an alarm raised, %(silent)s silent, "
            "%(battery)s with a low battery (each counted once, by the first of these that "
            "applies)."
        )
        % {"n": len(rows), **counts},
        definition=_(
            "Every active device fitted to the council's assets, as of the figures' last "
            "refresh, whatever the period. Alarm raised: one of its rules has raised a "
            "request that has not yet cleared. Silent: nothing received for twice the "
            "interval it is expected to report at. Battery low: below 20%."
        ),
        columns=[
            Column("state", _("State"), "text"),
            Column("device", _("Device"), "text"),
            Column("kind", _("Kind"), "text"),
            Column("asset", _("Asset"), "text"),
            Column("ward", _("Ward"), "text"),
            Column("last_seen", _("Last reading"), "text"),
            Column("battery", _("Battery (%)"), "percent"),
            Column("latest", _("Latest reading"), "text"),
        ],
        rows=rows,
        points=points,
    )


def sensor_health_by_kind(ctx: Context) -> Table:
    """Per kind of device: how many, how many silent or low on battery, and the readings
    received in the last seven days as a share of those expected."""
    rows: list[list[Any]] = []
    if ctx.has("devices"):
        where, params = _devices_where(ctx)
        week_start = (ctx.as_of - dt.timedelta(days=7)).replace(tzinfo=None)
        found = ctx.rows(
            f"""SELECT d.kind, count(*), count(*) FILTER (d.silent),
                count(*) FILTER (d.battery < ?),
                coalesce(sum(r.n), 0),
                sum(7 * 24 * 60 / d.interval_minutes)
            FROM devices d LEFT JOIN (
                SELECT identifier, sum(n) AS n FROM sensor_days WHERE day >= ?::DATE
                GROUP BY 1) r USING (identifier)
            WHERE {where} GROUP BY 1 ORDER BY 1""",  # noqa: S608 - our own fragments
            [BATTERY_LOW, week_start.date() + dt.timedelta(days=1), *params],
        )
        kinds = dict(DeviceKind.choices)
        for kind, n, silent, low, received, expected in found:
            rows.append(
                [
                    kinds.get(kind, kind),
                    n,
                    silent,
                    low,
                    int(received),
                    _pct(int(received), int(expected or 0)),
                ]
            )
    return Table(
        id="sensor-health",
        title=_("Sensors' health by kind"),
        summary=_("%(n)s devices of %(kinds)s kinds.")
        % {"n": sum(r[1] for r in rows), "kinds": len(rows)},
        definition=_(
            "Devices: active devices of each kind. Silent and battery low: as in the table "
            "of sensors. Readings received: over the last seven whole days before the "
            "figures' last refresh. Of those expected: the share of the readings each device "
            "should have sent at its expected interval (above 100% if devices report more "
            "often than expected)."
        ),
        columns=[
            Column("kind", _("Kind"), "text"),
            Column("devices", _("Devices")),
            Column("silent", _("Silent")),
            Column("battery_low", _("Battery low")),
            Column("received", _("Readings received (7 days)")),
            Column("received_share", _("Of those expected (%)"), "percent"),
        ],
        rows=rows,
        chart="bar",
        x="kind",
        y="devices",
    )


def sensor_requests_by_week(ctx: Context) -> Table:
    """Requests the council's sensors raised each week, beside those people made."""
    where, params = ctx.where("created_date")
    counts = {
        week: (sensors, people)
        for week, sensors, people in ctx.rows(
            "SELECT date_trunc('week', created_date)::DATE, "  # noqa: S608
            "count(*) FILTER (channel = ?), count(*) FILTER (channel <> ?) "
            f"FROM requests WHERE {where} GROUP BY 1",
            [SENSOR_CHANNEL, SENSOR_CHANNEL, *params],
        )
    }
    rows = [
        [week, *counts.get(week, (0, 0))] for week in _weeks(ctx.filters.start, ctx.filters.end)
    ]
    table = Table(
        id="sensor-requests-by-week",
        title=_("Requests raised by sensors each week"),
        summary=_("%(sensors)s requests raised by sensors, beside %(people)s made by people.")
        % {"sensors": sum(r[1] for r in rows), "people": sum(r[2] for r in rows)},
        definition=_(
            "Requests made in each week (Monday to Sunday) by a sensor's rule, and by every "
            "other channel. A sensor's reading that joins a request already open adds no "
            "request."
        ),
        columns=[
            Column("week", _("Week beginning"), "date"),
            Column("sensors", _("Raised by sensors")),
            Column("people", _("Made by people")),
        ],
        rows=rows,
        chart="line",
        x="week",
        y="sensors",
    )
    return ctx.suppress(table, Rule(counts=["sensors", "people"]))


def _format_pct(value: float | None) -> str:
    return NOTHING if value is None else f"{value:g}%"


Figure = Callable[[Context], Table]


@dataclass(frozen=True)
class Dashboard:
    slug: str
    title: str
    figures: tuple[Figure, ...]
    comments: bool = False  # residents' comments beneath (``insight.feedback``)


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
        Dashboard(
            "channels",
            _("Channels"),
            (channel_mix_by_month, digital_take_up_by_service, journey_steps),
        ),
        Dashboard("costs", _("Cost and savings"), (cost_by_channel, savings)),
        Dashboard("forecasts", _("Forecasts"), (forecast_accuracy, forecast_weeks)),
        Dashboard(
            "sensors",
            _("Sensors"),
            (sensor_devices, sensor_health_by_kind, sensor_requests_by_week),
        ),
        Dashboard(
            "satisfaction",
            _("Satisfaction"),
            (
                satisfaction_by_service,
                satisfaction_by_channel,
                satisfaction_by_team,
                page_usefulness,
            ),
            comments=True,
        ),
    ]
