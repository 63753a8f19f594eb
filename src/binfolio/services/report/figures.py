"""Performance report: NAV against the money-matched benchmark, per account and for all.

Everything is read with a handful of set-based queries (snapshots, run prices, benchmark events,
flows: one each for all requested accounts), as plain tuples, because a year of hourly runs for
ten accounts is 87,600 snapshots and the report must stay interactive.

The benchmark value at a snapshot is the units after the last benchmark event at or before it,
at that snapshot's run prices (docs/performance.md, "Benchmark value at a snapshot").
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from binfolio.domain.money import ZERO
from binfolio.domain.performance import FlowAt, ValuePoint, modified_dietz
from binfolio.domain.periods import Period
from binfolio.domain.portfolio import AccountSeries, Summary, summarise_account, summarise_all
from binfolio.errors import BinfolioError, UnknownAccountError
from binfolio.services.report.data import BenchmarkPath, ReportSource, Snapshots

ALL = "all"


@dataclass(frozen=True)
class ReportLine:
    """One account's (or "all") figures and what the reader should know about them."""

    account: str
    summary: Summary
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Report:
    """The report for a period: one line per account, then "all"."""

    since: datetime | None
    until: datetime
    lines: list[ReportLine]


def build_report(
    source: ReportSource, period: Period, account: str | None = None, *, total: bool = True
) -> Report:
    """Figures for every account with snapshots (or just ``account``), then all together.

    With ``total=False`` the "all" line is left out: a page that shows one account skips
    aggregating its snapshots a second time (a third of the work over five hourly years).

    Raises:
        UnknownAccountError: when ``account`` is given but unknown.
    """
    accounts = source.accounts(account)
    if account is not None and not accounts:
        raise UnknownAccountError(f"no account named {account!r} has been collected")
    ids = [account_id for account_id, _ in accounts]
    bases = source.base_times(ids, period.since)
    window_start = min(bases.values(), default=period.since)
    snapshots = source.snapshots(ids, window_start, period.until)
    paths = source.benchmark_paths(ids, period.until)
    assets = {asset for path in paths.values() for asset in path.assets}
    prices = source.run_prices(assets, window_start, period.until)
    flows = source.flows(ids, window_start, period.until)
    lines: list[ReportLine] = []
    all_series: list[AccountSeries] = []
    for account_id, name in accounts:
        columns = snapshots.get(account_id, Snapshots())
        base = bases.get(account_id)
        if base is not None and columns.times and columns.times[0] < base:
            first = bisect_left(columns.times, base)
            columns.runs, columns.times = columns.runs[first:], columns.times[first:]
            columns.navs = columns.navs[first:]
        series, warnings = _series(
            columns, paths.get(account_id), prices, flows.get(account_id, [])
        )
        lines.append(ReportLine(name, summarise_account(series), warnings))
        all_series.append(series)
    if total:
        lines.append(ReportLine(ALL, summarise_all(all_series)))
    return Report(period.since, period.until, lines)


def _series(
    columns: Snapshots,
    path: BenchmarkPath | None,
    prices: dict[str, dict[str, Decimal]],
    flows: Sequence[tuple[datetime, str, Decimal | None]],
) -> tuple[AccountSeries, list[str]]:
    warnings: list[str] = []
    groups, times, navs = columns.runs, columns.times, columns.navs
    benchmarks: list[Decimal] | None = None
    if path is None:
        warnings.append("no benchmark yet: run `binfolio benchmark rebuild`")
    else:
        empty: dict[str, Decimal] = {}
        values = path.values_at(times, [prices.get(run_id, empty) for run_id in groups])
        keep = [i for i, value in enumerate(values) if value is not None]
        if len(keep) < len(values):
            warnings.append(
                f"{len(values) - len(keep)} snapshot(s) left out: no benchmark price in their run"
            )
            groups = [groups[i] for i in keep]
            times = [times[i] for i in keep]
            navs = [navs[i] for i in keep]
        benchmarks = [value for value in values if value is not None]
    nav_flows: list[FlowAt] = []
    pending = 0
    for time, kind, value in flows:
        if value is None:
            pending += 1
            continue
        nav_flows.append(FlowAt(time, value if kind == "deposit" else -value))
    if pending:
        warnings.append(f"{pending} flow(s) not valued yet (their kline is still open)")
    series = AccountSeries(
        groups=groups,
        times=times,
        navs=navs,
        benchmarks=benchmarks,
        nav_flows=nav_flows,
        benchmark_flows=path.flows if path is not None else [],
        last_seen=columns.last_seen,
    )
    return series, warnings


class SnapshotMismatchError(BinfolioError, LookupError):
    """The snapshots asked for do not exist, belong to another account, or are out of order."""


@dataclass(frozen=True)
class NavChange:
    """How an account's NAV moved between two snapshots once deposits and withdrawals are removed.

    ``change_usdt = NAV(to) − NAV(from) − net flows``; ``change_pct`` is the Modified Dietz return
    of that interval (None without capital). ``pending_flows`` counts flows in the interval whose
    value is not known yet: while it is non-zero the change may still contain one.
    """

    from_nav_usdt: Decimal
    to_nav_usdt: Decimal
    net_flows_usdt: Decimal
    change_usdt: Decimal
    change_pct: Decimal | None
    pending_flows: int


def nav_change_net_of_flows(
    source: ReportSource, account_id: int, from_snapshot_id: int, to_snapshot_id: int
) -> NavChange:
    """The NAV change between two snapshots of one account, net of its cash flows.

    Raises:
        SnapshotMismatchError: when a snapshot is missing, of another account, or ``to`` is not
            later than ``from``.
    """
    rows = source.snapshot_points([from_snapshot_id, to_snapshot_id])
    if from_snapshot_id not in rows or to_snapshot_id not in rows:
        raise SnapshotMismatchError(f"snapshot {from_snapshot_id} or {to_snapshot_id} not found")
    (from_account, start, from_nav), (to_account, end, to_nav) = (
        rows[from_snapshot_id],
        rows[to_snapshot_id],
    )
    if from_account != account_id or to_account != account_id:
        raise SnapshotMismatchError(f"the snapshots are not both of account {account_id}")
    if end <= start:
        raise SnapshotMismatchError(
            f"snapshot {to_snapshot_id} is not later than {from_snapshot_id}"
        )
    flows: list[FlowAt] = []
    pending = 0
    for time, kind, value in source.flows_between(account_id, start, end):
        if value is None:
            pending += 1
        else:
            flows.append(FlowAt(time, value if kind == "deposit" else -value))
    before, after = from_nav or ZERO, to_nav or ZERO
    interval = modified_dietz(ValuePoint(start, before), ValuePoint(end, after), flows)
    return NavChange(
        from_nav_usdt=before,
        to_nav_usdt=after,
        net_flows_usdt=interval.net_flow_usdt,
        change_usdt=interval.gain_usdt,
        change_pct=interval.ret if interval.capital_usdt > 0 else None,
        pending_flows=pending,
    )
