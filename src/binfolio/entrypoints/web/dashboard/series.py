"""An account's chart series: NAV, benchmark, TWR index and drawdown, thinned on the server.

The series covers exactly the snapshots the report's figures cover (from the last complete
snapshot at or before the period's start), so the TWR index ends at ``1 + twr`` of the same
period. Chart points are floats (the figures stay Decimal in the report). The interval returns
are the report's: ``(E − B) / B`` without flows, and the domain's Modified Dietz
(:func:`modified_dietz`) for the few intervals a deposit or withdrawal landed in.

Only the points kept for drawing (min/max buckets of NAV, TWR index and drawdown: see
:mod:`binfolio.domain.downsample`) are valued against the benchmark, from their runs' stored
prices: reading the prices of every run of five years would double the work.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import accumulate, pairwise
from operator import mul

from binfolio.adapters.storage.dashboard_repo import DashboardRepo
from binfolio.domain.clock import from_ms, to_ms
from binfolio.domain.downsample import minmax_indices
from binfolio.domain.performance import FlowAt, ValuePoint, modified_dietz
from binfolio.domain.periods import Period

DEFAULT_MAX_POINTS = 1000


@dataclass(frozen=True)
class ChartSeries:
    """Parallel columns of the points to draw, and how many points the period held."""

    period: Period
    start: datetime | None
    total_points: int
    times: list[datetime] = field(default_factory=list)
    nav_usdt: list[float] = field(default_factory=list)
    benchmark_usdt: list[float | None] = field(default_factory=list)
    twr_index: list[float] = field(default_factory=list)
    drawdown: list[float] = field(default_factory=list)


def chart_series(
    repo: DashboardRepo, account_id: int, period: Period, max_points: int = DEFAULT_MAX_POINTS
) -> ChartSeries:
    """The account's series over ``period``, at most ``max_points`` points.

    Raises:
        ValueError: when ``max_points`` is too small to keep each bucket's extremes.
    """
    inputs = repo.chart_inputs(account_id, period.since, period.until)
    columns, path = inputs.columns, inputs.benchmark
    total = len(columns.snapshot_ids)
    if not total:
        return ChartSeries(period, inputs.start, 0)
    index = twr_index(columns.time_ms, columns.nav_usdt, inputs.flows)
    drawdown = drawdowns(index)
    keep = minmax_indices([columns.nav_usdt, index, drawdown], max_points)
    kept_ids = [columns.snapshot_ids[i] for i in keep]
    times, prices = repo.snapshot_points(kept_ids, path.assets if path else set())
    moments = [times[snapshot_id] for snapshot_id in kept_ids]
    benchmark: list[float | None] = [None] * len(keep)
    if path is not None:
        empty: dict[str, Decimal] = {}
        values = path.values_at(moments, [prices.get(i, empty) for i in kept_ids])
        benchmark = [float(v) if v is not None else None for v in values]
    return ChartSeries(
        period=period,
        start=inputs.start,
        total_points=total,
        times=moments,
        nav_usdt=[columns.nav_usdt[i] for i in keep],
        benchmark_usdt=benchmark,
        twr_index=[index[i] for i in keep],
        drawdown=[drawdown[i] for i in keep],
    )


def twr_index(
    time_ms: Sequence[float], navs: Sequence[float], flows: Sequence[FlowAt]
) -> list[float]:
    """The growth of 1 USDT invested at the first point, chained interval by interval.

    Interval ``k`` runs from point ``k − 1`` to point ``k``; a flow at ``τ`` lands in the first
    interval whose end is at or after it (as in the report's ``dietz_chain``).
    """
    if not navs:
        return []
    returns = [(value - before) / before if before > 0 else 0.0 for before, value in pairwise(navs)]
    landed: dict[int, list[FlowAt]] = {}
    for flow in flows:
        # Times on the same millisecond grid as the points, so the interval check agrees.
        moment_ms = to_ms(flow.time)
        k = bisect_left(time_ms, moment_ms)
        if 0 < k < len(navs):
            landed.setdefault(k, []).append(FlowAt(from_ms(moment_ms), flow.amount_usdt))
    for k, inside in landed.items():
        interval = modified_dietz(
            ValuePoint(from_ms(int(time_ms[k - 1])), Decimal(navs[k - 1])),
            ValuePoint(from_ms(int(time_ms[k])), Decimal(navs[k])),
            inside,
        )
        returns[k - 1] = float(interval.ret)
    return [1.0, *accumulate((1.0 + r for r in returns), mul)]


def drawdowns(index: Sequence[float]) -> list[float]:
    """How far below its running peak the index is at each point (0 or negative)."""
    return [
        value / peak - 1.0 if peak > 0 else 0.0
        for value, peak in zip(index, accumulate(index, max), strict=True)
    ]
