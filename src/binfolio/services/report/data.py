"""What the report reads: set-based queries returning plain columns, never ORM objects per row.

One query each for snapshots, run prices, benchmark events and flows covers every requested
account; values come back through :class:`BulkReader`, which parses SQLite's text directly.
The benchmark is read as units after each audited event: a step function of time.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import groupby
from operator import itemgetter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from binfolio.adapters.storage.bulk_read import BulkReader
from binfolio.adapters.storage.models import (
    BenchmarkEventRow,
    CashFlowRow,
    RunPriceRow,
    RunRow,
    SnapshotRow,
)
from binfolio.domain.money import ZERO
from binfolio.domain.performance import FlowAt

# A run starts before its snapshots; none lasts longer than this (the collector's deadline is
# an hour at most), so prices of runs started this long before the window are enough.
_RUN_SLACK = timedelta(days=1)


@dataclass
class BenchmarkPath:
    """Units after each benchmark event (in event order) and the money each event moved."""

    times: list[datetime] = field(default_factory=list)
    units: list[dict[str, Decimal]] = field(default_factory=list)
    flows: list[FlowAt] = field(default_factory=list)

    @property
    def assets(self) -> set[str]:
        """Every asset the benchmark ever held."""
        return {asset for units in self.units for asset in units}

    def values_at(
        self, moments: Sequence[datetime], prices: Sequence[Mapping[str, Decimal]]
    ) -> list[Decimal | None]:
        """``B(t)`` at each of ``moments`` (sorted) with that moment's prices.

        Moments between two events share their units, so each such stretch is valued in one
        comprehension; None before the start or when a price of a held asset is missing.
        """
        result: list[Decimal | None] = [None] * len(moments)
        for event, units in enumerate(self.units):
            first = bisect_left(moments, self.times[event])
            last = (
                bisect_left(moments, self.times[event + 1])
                if event + 1 < len(self.times)
                else len(moments)
            )
            if first < last:
                held = [(asset, amount) for asset, amount in units.items() if amount]
                result[first:last] = _values(held, prices[first:last])
        return result


def _values(
    held: list[tuple[str, Decimal]], prices: Sequence[Mapping[str, Decimal]]
) -> list[Decimal | None]:
    """``Σ units × price`` for each price map; None where a held asset has no price."""
    try:
        if len(held) == 2:  # the default 50/50 basket: spelled out, it is twice as fast
            (first, first_units), (second, second_units) = held
            return [first_units * p[first] + second_units * p[second] for p in prices]
        return [sum((units * p[asset] for asset, units in held), ZERO) for p in prices]
    except KeyError:
        return [
            sum((units * p[asset] for asset, units in held), ZERO)
            if all(asset in p for asset, _ in held)
            else None
            for p in prices
        ]


@dataclass
class Snapshots:
    """One account's complete snapshots as columns, and when it was last seen at all."""

    runs: list[str] = field(default_factory=list)
    times: list[datetime] = field(default_factory=list)
    navs: list[Decimal] = field(default_factory=list)
    last_seen: datetime | None = None


def base_times(session: Session, ids: list[int], since: datetime | None) -> dict[int, datetime]:
    """Per account, the last complete snapshot at or before ``since``: the period's base.

    Accounts without one start at their first complete snapshot after ``since``.
    """
    if since is None:
        return {}
    query = (
        select(SnapshotRow.account_id, func.max(SnapshotRow.taken_at))
        .where(
            SnapshotRow.account_id.in_(ids),
            SnapshotRow.status == "complete",
            SnapshotRow.taken_at <= since,
        )
        .group_by(SnapshotRow.account_id)
    )
    bases = dict(session.execute(query).all())
    return {i: bases.get(i, since) for i in ids}


def load_snapshots(
    session: Session, ids: list[int], start: datetime | None, until: datetime
) -> dict[int, Snapshots]:
    """Complete snapshots in ``[start, until]`` per account, oldest first, as columns."""
    read = BulkReader(session)
    query = select(
        SnapshotRow.account_id,
        SnapshotRow.run_id,
        read.time_column(SnapshotRow.taken_at),
        read.money_column(SnapshotRow.nav_usdt),
    ).where(
        SnapshotRow.account_id.in_(ids),
        SnapshotRow.status == "complete",
        SnapshotRow.taken_at <= until,
    )
    if start is not None:
        query = query.where(SnapshotRow.taken_at >= start)
    found: dict[int, Snapshots] = defaultdict(Snapshots)
    # Core rows fetched at once: the ORM result layer costs more than the query here.
    rows = (
        session.connection()
        .execute(query.order_by(SnapshotRow.account_id, SnapshotRow.taken_at, SnapshotRow.id))
        .all()
    )
    for account_id, group in groupby(rows, key=itemgetter(0)):
        chunk = list(group)
        found[account_id] = Snapshots(
            runs=list(map(itemgetter(1), chunk)),
            times=read.times(map(itemgetter(2), chunk)),
            navs=read.money(map(itemgetter(3), chunk)),
        )
    # "Last seen" counts partial and failed snapshots too: the account is still collected.
    for account_id, seen in session.execute(
        select(SnapshotRow.account_id, func.max(SnapshotRow.taken_at))
        .where(SnapshotRow.account_id.in_(ids), SnapshotRow.taken_at <= until)
        .group_by(SnapshotRow.account_id)
    ):
        found[account_id].last_seen = seen
    return found


def load_run_prices(
    session: Session, assets: set[str], start: datetime | None, until: datetime
) -> dict[str, dict[str, Decimal]]:
    """``run_id → asset → price`` of the runs in the window, for the given assets."""
    if not assets:
        return {}
    read = BulkReader(session)
    query = (
        select(RunPriceRow.run_id, RunPriceRow.asset, read.money_column(RunPriceRow.price_usdt))
        .join(RunRow, RunRow.id == RunPriceRow.run_id)
        .where(RunPriceRow.asset.in_(sorted(assets)), RunRow.started_at <= until)
    )
    if start is not None:
        query = query.where(RunRow.started_at >= start - _RUN_SLACK)
    rows = session.connection().execute(query).all()
    found: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for (run_id, asset, _), price in zip(rows, read.money(row[2] for row in rows), strict=True):
        found[run_id][asset] = price
    return found


def load_flows(
    session: Session, ids: list[int], start: datetime | None, until: datetime
) -> dict[int, list[tuple[datetime, str, Decimal | None]]]:
    """Ledger flows ``(time, kind, value or None while pending)`` in ``(start, until]``."""
    query = select(
        CashFlowRow.account_id, CashFlowRow.time, CashFlowRow.kind, CashFlowRow.value_usdt
    ).where(CashFlowRow.account_id.in_(ids), CashFlowRow.time <= until)
    if start is not None:
        query = query.where(CashFlowRow.time > start)
    found: dict[int, list[tuple[datetime, str, Decimal | None]]] = defaultdict(list)
    for account_id, time, kind, value in session.execute(query.order_by(CashFlowRow.time)):
        found[account_id].append((time, kind, value))
    return found


def load_benchmark_paths(
    session: Session, account_ids: list[int], until: datetime
) -> dict[int, BenchmarkPath]:
    """Every account's benchmark events up to ``until`` in one query."""
    paths: dict[int, BenchmarkPath] = {}
    query = (
        select(
            BenchmarkEventRow.account_id,
            BenchmarkEventRow.time,
            BenchmarkEventRow.units_after,
            BenchmarkEventRow.net_flow_usdt,
        )
        .where(BenchmarkEventRow.account_id.in_(account_ids), BenchmarkEventRow.time <= until)
        .order_by(BenchmarkEventRow.account_id, BenchmarkEventRow.seq)
    )
    for account_id, time, units, net_flow in session.execute(query):
        path = paths.setdefault(account_id, BenchmarkPath())
        path.times.append(time)
        path.units.append({asset: Decimal(amount) for asset, amount in units.items()})
        if net_flow:
            path.flows.append(FlowAt(time, net_flow))
    return paths
