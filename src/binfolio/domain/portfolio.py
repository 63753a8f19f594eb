"""Report figures for one account and for all accounts together.

One account: its complete snapshots in the period (NAV and benchmark value at each), its ledger
flows and the flows the benchmark received, turned into a :class:`Summary`.

All accounts: the accounts are added up at the runs (``group``) where every *active* account has a
complete snapshot; an account is active from its first complete snapshot to the last run that
saw it at all. Partial runs are skipped, so the interval around them is simply longer. Each
interval's return is ``Σ gain / Σ capital`` over the accounts present at both ends. An account
that appears later (or disappears) enters (or leaves) the total between two points as a
contribution: it is left out of that interval's Dietz terms and counted in the net flows, so its
starting NAV is never a gain (Wealthfolio #1414 is this bug).

Series are columnar (parallel lists) because a year of hourly runs for ten accounts is 87,600
points, and an object per point costs more than the arithmetic.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import accumulate

from binfolio.domain.money import ONE, ZERO
from binfolio.domain.performance import (
    FlowAt,
    Interval,
    ReturnFigures,
    ValuePoint,
    chain,
    dietz_chain,
    figures,
    modified_dietz,
)


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """One complete snapshot of an account: run, time, NAV and benchmark value (if known)."""

    group: str
    time: datetime
    nav_usdt: Decimal
    benchmark_usdt: Decimal | None


@dataclass(frozen=True, slots=True)
class AccountSeries:
    """Everything the figures of one account need, already restricted to the period.

    ``benchmarks`` is None when the account has no benchmark (yet).
    """

    groups: Sequence[str]
    times: Sequence[datetime]
    navs: Sequence[Decimal]
    benchmarks: Sequence[Decimal] | None
    nav_flows: Sequence[FlowAt]
    benchmark_flows: Sequence[FlowAt]
    last_seen: datetime | None = None

    @classmethod
    def of(
        cls,
        points: Sequence[SeriesPoint],
        nav_flows: Sequence[FlowAt] = (),
        benchmark_flows: Sequence[FlowAt] = (),
        last_seen: datetime | None = None,
    ) -> AccountSeries:
        """A series from point objects (convenient in tests and small callers)."""
        benchmarks = [p.benchmark_usdt for p in points if p.benchmark_usdt is not None]
        return cls(
            groups=[p.group for p in points],
            times=[p.time for p in points],
            navs=[p.nav_usdt for p in points],
            benchmarks=benchmarks if len(benchmarks) == len(points) else None,
            nav_flows=nav_flows,
            benchmark_flows=benchmark_flows,
            last_seen=last_seen,
        )


@dataclass(frozen=True, slots=True)
class Summary:
    """The report's figures (money in USDT, ratios as fractions); None when not computable."""

    first_at: datetime | None = None
    last_at: datetime | None = None
    intervals: int = 0
    nav_usdt: Decimal | None = None
    benchmark_usdt: Decimal | None = None
    excess_usdt: Decimal | None = None
    excess_pct: Decimal | None = None
    net_flows_usdt: Decimal | None = None
    twr: Decimal | None = None
    benchmark_twr: Decimal | None = None
    alpha: Decimal | None = None
    max_drawdown: Decimal | None = None
    volatility: Decimal | None = None
    sharpe: Decimal | None = None


def summarise_account(series: AccountSeries) -> Summary:
    """The figures of one account over its points."""
    if not series.times:
        return Summary()
    nav = dietz_chain(series.times, series.navs, series.nav_flows)
    own = figures(nav.returns, nav.start, nav.end)
    bench_twr: Decimal | None = None
    bench: Decimal | None = None
    if series.benchmarks is not None:
        bench_twr = chain(
            dietz_chain(series.times, series.benchmarks, series.benchmark_flows).returns
        )
        bench = series.benchmarks[-1]
    return _summary(
        nav.start,
        nav.end,
        len(nav.returns),
        own,
        bench_twr,
        nav.net_flow_usdt,
        series.navs[-1],
        bench,
    )


def summarise_all(accounts: Sequence[AccountSeries]) -> Summary:
    """The figures of all accounts together (see the module docstring for the rules)."""
    live = [a for a in accounts if a.times]
    if live and all(a.groups == live[0].groups for a in live):
        return _summarise_aligned(live)
    points = _aggregate_points(accounts)
    if not points:
        return Summary()
    times = [a.times for a in accounts]
    navs = [a.navs for a in accounts]
    nav_returns, net_flows, contributions = _aggregate_returns(
        points, times, navs, [_Flows(a.nav_flows, a.times) for a in accounts]
    )
    (first_time, _), (last_time, last) = points[0], points[-1]
    own = figures(nav_returns, first_time, last_time)
    nav = sum((navs[a][i] for a, i in last.items()), ZERO)
    bench: Decimal | None = None
    bench_twr: Decimal | None = None
    benches = [a.benchmarks for a in accounts]
    if all(b is not None for b, a in zip(benches, accounts, strict=True) if a.times):
        values = [b if b is not None else [] for b in benches]
        bench_returns, _, _ = _aggregate_returns(
            points, times, values, [_Flows(a.benchmark_flows, a.times) for a in accounts]
        )
        bench = sum((values[a][i] for a, i in last.items()), ZERO)
        bench_twr = chain(bench_returns)
    return _summary(
        first_time,
        last_time,
        len(nav_returns),
        own,
        bench_twr,
        net_flows + contributions,
        nav,
        bench,
    )


def _summarise_aligned(accounts: Sequence[AccountSeries]) -> Summary:
    """The common case: every account complete in the same runs, so every run is a point."""
    # A run's time is its earliest snapshot; only the first and last run's times matter here.
    first_at = min(a.times[0] for a in accounts)
    last_at = min(a.times[-1] for a in accounts)
    nav_returns, net_flows = _aligned_returns(
        [a.times for a in accounts], [a.navs for a in accounts], [a.nav_flows for a in accounts]
    )
    own = figures(nav_returns, first_at, last_at)
    nav = sum((a.navs[-1] for a in accounts), ZERO)
    bench: Decimal | None = None
    bench_twr: Decimal | None = None
    benches = [a.benchmarks for a in accounts if a.benchmarks is not None]
    if len(benches) == len(accounts):
        bench_returns, _ = _aligned_returns(
            [a.times for a in accounts], benches, [a.benchmark_flows for a in accounts]
        )
        bench = sum((b[-1] for b in benches), ZERO)
        bench_twr = chain(bench_returns)
    return _summary(first_at, last_at, len(nav_returns), own, bench_twr, net_flows, nav, bench)


def _aligned_returns(
    times: Sequence[Sequence[datetime]],
    values: Sequence[Sequence[Decimal]],
    flows: Sequence[Sequence[FlowAt]],
) -> tuple[list[Decimal], Decimal]:
    """Returns of the total from the totals at each run, plus flow terms where flows landed."""
    totals = [sum(column, ZERO) for column in zip(*values, strict=True)]
    # Interval k runs from point k − 1 to point k; a flow at τ lands in the first k with τ ≤ t_k.
    landed: dict[int, dict[int, list[FlowAt]]] = {}
    for a, account_flows in enumerate(flows):
        for flow in account_flows:
            k = bisect_left(times[a], flow.time)
            if 0 < k < len(totals):
                landed.setdefault(k, {}).setdefault(a, []).append(flow)
    returns: list[Decimal] = []
    net = ZERO
    for k in range(1, len(totals)):
        gain, capital = totals[k] - totals[k - 1], totals[k - 1]
        for a, inside in landed.get(k, {}).items():
            part = modified_dietz(
                ValuePoint(times[a][k - 1], values[a][k - 1]),
                ValuePoint(times[a][k], values[a][k]),
                inside,
            )
            gain -= part.net_flow_usdt
            capital += part.weighted_flow_usdt
            net += part.net_flow_usdt
        returns.append(gain / capital if capital > 0 else ZERO)
    return returns, net


def _aggregate_returns(
    points: Sequence[tuple[datetime, dict[int, int]]],
    times: Sequence[Sequence[datetime]],
    values: Sequence[Sequence[Decimal]],
    flows: Sequence[_Flows],
) -> tuple[list[Decimal], Decimal, Decimal]:
    """Interval returns of the total, its net flows, and the value of accounts entering/leaving.

    When the same accounts are present at both ends (the usual case), the terms are computed
    from the two totals, and only accounts with a flow in the interval add flow terms.
    """
    totals = [sum((values[a][i] for a, i in members.items()), ZERO) for _, members in points]
    returns: list[Decimal] = []
    net = contributions = ZERO
    for k in range(1, len(points)):
        prev, cur = points[k - 1][1], points[k][1]
        if prev.keys() == cur.keys():
            gain, capital = totals[k] - totals[k - 1], totals[k - 1]
            for a, i in cur.items():
                j = prev[a]
                if flows[a].counts[i] != flows[a].counts[j]:
                    part = flows[a].interval(times[a][j], values[a][j], times[a][i], values[a][i])
                    gain -= part.net_flow_usdt
                    capital += part.weighted_flow_usdt
                    net += part.net_flow_usdt
        else:
            gain = capital = ZERO
            for a, i in cur.items():
                j_or_none = prev.get(a)
                if j_or_none is None:
                    contributions += values[a][i]  # entering: a contribution, not a gain
                    continue
                part = flows[a].interval(
                    times[a][j_or_none], values[a][j_or_none], times[a][i], values[a][i]
                )
                gain += part.gain_usdt
                capital += part.capital_usdt
                net += part.net_flow_usdt
            for a, j in prev.items():
                if a not in cur:
                    contributions -= values[a][j]  # leaving: a withdrawal from the total
        returns.append(gain / capital if capital > 0 else ZERO)
    return returns, net, contributions


def _summary(
    first_at: datetime,
    last_at: datetime,
    count: int,
    own: ReturnFigures,
    bench_twr: Decimal | None,
    net_flows: Decimal,
    nav: Decimal,
    bench: Decimal | None,
) -> Summary:
    return Summary(
        first_at=first_at,
        last_at=last_at,
        intervals=count,
        nav_usdt=nav,
        benchmark_usdt=bench,
        excess_usdt=nav - bench if bench is not None else None,
        excess_pct=nav / bench - ONE if bench is not None and bench > 0 else None,
        net_flows_usdt=net_flows,
        twr=own.twr,
        benchmark_twr=bench_twr,
        alpha=own.twr - bench_twr if bench_twr is not None else None,
        max_drawdown=own.max_drawdown,
        volatility=own.volatility,
        sharpe=own.sharpe,
    )


class _Flows:
    """One account's flows, sorted once, with where each lands among the account's points.

    ``counts[i]`` is the number of flows at or before point ``i``; an interval ``(j, i]`` holds
    a flow exactly when ``counts[i] != counts[j]``.
    """

    def __init__(self, flows: Sequence[FlowAt], times: Sequence[datetime]) -> None:
        self._flows = sorted(flows, key=lambda f: f.time)
        self._times = [f.time for f in self._flows]
        landed = [0] * (len(times) + 1)
        for flow_time in self._times:
            landed[bisect_left(times, flow_time)] += 1
        self.counts = list(accumulate(landed))

    def interval(self, start: datetime, begin: Decimal, end: datetime, finish: Decimal) -> Interval:
        """The Modified Dietz terms of ``(start, end]`` with this account's flows in it."""
        inside = self._flows[bisect_right(self._times, start) : bisect_right(self._times, end)]
        return modified_dietz(ValuePoint(start, begin), ValuePoint(end, finish), inside)


def _aggregate_points(accounts: Sequence[AccountSeries]) -> list[tuple[datetime, dict[int, int]]]:
    """The runs at which every active account is complete: (time, {account: point index})."""
    members: dict[str, dict[int, int]] = {}
    group_time: dict[str, datetime] = {}
    for a, series in enumerate(accounts):
        for i, (group, time) in enumerate(zip(series.groups, series.times, strict=True)):
            members.setdefault(group, {})[a] = i
            if group not in group_time or time < group_time[group]:
                group_time[group] = time
    ordered = sorted(group_time, key=lambda g: (group_time[g], g))
    # Until when each account counts as active: its last run of any status, else its last point.
    ends = [s.last_seen or (s.times[-1] if s.times else None) for s in accounts]
    started: set[int] = set()
    result: list[tuple[datetime, dict[int, int]]] = []
    for group in ordered:
        present, moment = members[group], group_time[group]
        started.update(present)
        active = [a for a in started if (end := ends[a]) is not None and moment <= end]
        if active and all(a in present for a in active):
            result.append((moment, {a: present[a] for a in active}))
    return result
