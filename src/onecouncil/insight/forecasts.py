"""Demand forecasts: for each service, the next 13 weeks of requests with 80% and 95%
intervals, refitted by the insight worker (never in the web, never in the notification
loop) and published with the snapshot.

The model is statsforecast's MSTL with a 52-week season, its trend and remainder
forecast by AutoARIMA with the number of bank holidays in each week as a regressor
(missed bins pile up after them). AutoETS alone would silently drop a 52-week season on
two years of data. Every fit is backtested: the last 13 weeks are held back, forecast
from the weeks before, and scored by MASE (mean absolute error over the in-sample error
of last year's same week); the seasonal naive forecast ("the same as last year") is
scored the same way beside it, so nobody trusts a model that does worse. A series too
short for two seasons and a backtest, or too sparse to mean anything, is not forecast.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

import duckdb
import numpy as np

from onecouncil.core.models import Council
from onecouncil.core.working_time import bank_holidays

logger = logging.getLogger(__name__)

HORIZON = 13
SEASON = 52
LEVELS = (80, 95)
# Two whole seasons to fit on, and the weeks held back to test the fit.
MIN_WEEKS = 2 * SEASON + HORIZON
# Fewer requests a week than this on average, and a forecast is noise.
MIN_WEEKLY_MEAN = 1.0

OK, TOO_SHORT, TOO_FEW, FAILED = "ok", "too_short", "too_few", "failed"

FORECASTS_DDL = (
    """CREATE TABLE IF NOT EXISTS forecasts (council_id INTEGER, service_id INTEGER,
    fitted_week DATE, week DATE, mean DOUBLE, lo80 DOUBLE, hi80 DOUBLE, lo95 DOUBLE,
    hi95 DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS forecast_fits (council_id INTEGER, service_id INTEGER,
    fitted_week DATE, fitted_at TIMESTAMP, status VARCHAR, weeks INTEGER, mase DOUBLE,
    mase_naive DOUBLE, seconds DOUBLE)""",
)


@dataclass
class Fit:
    status: str
    weeks: int
    mase: float | None = None
    mase_naive: float | None = None
    # Each of the next HORIZON weeks: mean, lo80, hi80, lo95, hi95.
    forecast: list[tuple[float, float, float, float, float]] = field(default_factory=list)


def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def holiday_counts(first_week: dt.date, weeks: int, region: str) -> np.ndarray:
    """How many bank holidays fall in each of ``weeks`` weeks from ``first_week``."""
    end = first_week + dt.timedelta(weeks=weeks)
    counts = np.zeros(weeks)
    for day in bank_holidays(first_week, end - dt.timedelta(days=1), region=region):
        counts[(day - first_week).days // 7] += 1
    return counts


def _predict(y: np.ndarray, x: np.ndarray, x_future: np.ndarray, h: int) -> dict[str, np.ndarray]:
    from statsforecast.models import MSTL, AutoARIMA  # slow to import: the worker only

    model = MSTL(season_length=SEASON, trend_forecaster=AutoARIMA())
    use_x = bool(np.ptp(x) > 0)  # a regressor that never varies cannot be fitted
    result: dict[str, np.ndarray] = model.forecast(
        y=y.astype(float),
        h=h,
        X=x.reshape(-1, 1) if use_x else None,
        X_future=x_future.reshape(-1, 1) if use_x else None,
        level=list(LEVELS),
    )
    return result


def _mase(errors: np.ndarray, scale: float) -> float | None:
    if not scale or math.isnan(scale):
        return None
    return round(float(np.mean(np.abs(errors)) / scale), 3)


def fit_series(y: np.ndarray, holidays: np.ndarray) -> Fit:
    """Backtest and forecast one weekly series. ``holidays`` covers the series and the
    ``HORIZON`` weeks after it."""
    n = len(y)
    if n < MIN_WEEKS:
        return Fit(TOO_SHORT, n)
    if float(np.mean(y[-SEASON:])) < MIN_WEEKLY_MEAN:
        return Fit(TOO_FEW, n)
    train, test = y[:-HORIZON], y[-HORIZON:]
    # The scale: how far each week of the training data is from the same week a year before.
    scale = float(np.mean(np.abs(train[SEASON:] - train[:-SEASON])))
    try:
        back = _predict(train, holidays[: n - HORIZON], holidays[n - HORIZON : n], HORIZON)
        ahead = _predict(y, holidays[:n], holidays[n : n + HORIZON], HORIZON)
    except Exception:  # a numerical failure in one series must not stop the others
        logger.exception("forecast failed")
        return Fit(FAILED, n)
    naive = y[n - HORIZON - SEASON : n - SEASON]
    rows = zip(
        ahead["mean"],
        ahead["lo-80"],
        ahead["hi-80"],
        ahead["lo-95"],
        ahead["hi-95"],
        strict=True,
    )
    return Fit(
        OK,
        n,
        mase=_mase(back["mean"] - test, scale),
        mase_naive=_mase(naive - test, scale),
        # Requests cannot be negative.
        forecast=[tuple(round(max(float(v), 0.0), 2) for v in row) for row in rows],  # type: ignore[misc]  # five floats
    )


def weekly_series(
    con: duckdb.DuckDBPyConnection, before: dt.date
) -> dict[tuple[int, int], tuple[dt.date, np.ndarray]]:
    """Each council's services' weekly requests, from the service's first week to the
    last whole week before ``before`` (a Monday), empty weeks as zero."""
    found: dict[tuple[int, int], dict[dt.date, int]] = defaultdict(dict)
    for council_id, service_id, week, n in con.execute(
        "SELECT council_id, service_id, date_trunc('week', created_date)::DATE, count(*) "
        "FROM requests WHERE created_date < ? GROUP BY ALL",
        [before],
    ).fetchall():
        found[(council_id, service_id)][week] = n
    series = {}
    for key, weeks in found.items():
        first = min(weeks)
        count = (before - first).days // 7
        series[key] = (
            first,
            np.array(
                [weeks.get(first + dt.timedelta(weeks=i), 0) for i in range(count)], dtype=float
            ),
        )
    return series


def refit(con: duckdb.DuckDBPyConnection, *, today: dt.date, now: dt.datetime) -> int:
    """Fit every service's forecast from the whole weeks before this one, keeping earlier
    fits (so a forecast can be set against what then happened). Refitting in the same week
    replaces that week's fit. Returns how many series were fitted."""
    for ddl in FORECASTS_DDL:
        con.execute(ddl)
    this_week = monday(today)
    regions = dict(Council.objects.values_list("pk", "bank_holiday_region"))
    con.execute("DELETE FROM forecasts WHERE fitted_week = ?", [this_week])
    con.execute("DELETE FROM forecast_fits WHERE fitted_week = ?", [this_week])
    fitted = 0
    for (council_id, service_id), (first, y) in sorted(weekly_series(con, this_week).items()):
        started = time.monotonic()
        holidays = holiday_counts(first, len(y) + HORIZON, regions.get(council_id, "ENG"))
        fit = fit_series(y, holidays)
        con.execute(
            "INSERT INTO forecast_fits VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                council_id,
                service_id,
                this_week,
                now.astimezone(dt.UTC).replace(tzinfo=None),
                fit.status,
                fit.weeks,
                fit.mase,
                fit.mase_naive,
                round(time.monotonic() - started, 3),
            ],
        )
        if fit.forecast:
            con.executemany(
                "INSERT INTO forecasts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (council_id, service_id, this_week, this_week + dt.timedelta(weeks=i), *row)
                    for i, row in enumerate(fit.forecast)
                ],
            )
            fitted += 1
    return fitted


def fitted_week(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The week of the newest fit in the working store, if any."""
    for ddl in FORECASTS_DDL:
        con.execute(ddl)
    row = con.execute("SELECT max(fitted_week) FROM forecast_fits").fetchone()
    return row[0] if row else None
