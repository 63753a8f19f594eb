"""SQL of the report: set-based queries returning plain columns, never ORM objects per row.

Values come back through :class:`BulkReader`, which parses SQLite's text directly. One
:class:`ReportRepo` reads through one session, so a report sees one state of the database.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Executable, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

from binfolio.adapters.storage.bulk_read import BulkReader
from binfolio.adapters.storage.models import (
    AccountRow,
    BenchmarkEventRow,
    CashFlowRow,
    RunPriceRow,
    RunRow,
    SnapshotRow,
)
from binfolio.domain.performance import FlowAt
from binfolio.services.report.data import BenchmarkPath, FlowRow, Snapshots

# A run starts before its snapshots; none lasts longer than this (the collector's deadline is
# an hour at most), so prices of runs started this long before the window are enough.
_RUN_SLACK = timedelta(days=1)


class ReportRepo:
    """:class:`binfolio.services.report.data.ReportSource` on one SQLAlchemy session."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def accounts(self, name: str | None) -> list[tuple[int, str]]:
        """(id, name) of ``name``, or of every account with a snapshot, by name."""
        query = select(AccountRow.id, AccountRow.name).order_by(AccountRow.name)
        if name is not None:
            query = query.where(AccountRow.name == name)
        else:
            query = query.where(
                select(SnapshotRow.id).where(SnapshotRow.account_id == AccountRow.id).exists()
            )
        return [(i, n) for i, n in self._session.execute(query)]

    def base_times(self, ids: list[int], since: datetime | None) -> dict[int, datetime]:
        """Per account, the last complete snapshot at or before ``since``: the period's base.

        Accounts without one start at their first complete snapshot after ``since``.
        """
        if since is None:
            return {}
        latest = _latest_taken_at(SnapshotRow.status == "complete", SnapshotRow.taken_at <= since)
        query = select(AccountRow.id, latest).where(AccountRow.id.in_(ids))
        bases = {i: base for i, base in self._session.execute(query) if base is not None}
        return {i: bases.get(i, since) for i in ids}

    def snapshots(
        self, ids: list[int], start: datetime | None, until: datetime
    ) -> dict[int, Snapshots]:
        """Complete snapshots in ``[start, until]`` per account, oldest first, as columns."""
        session = self._session
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
        ordered = query.order_by(SnapshotRow.account_id, SnapshotRow.taken_at, SnapshotRow.id)
        rows = _driver_rows(session, ordered)
        for account_id, group in groupby(rows, key=itemgetter(0)):
            chunk = list(group)
            found[account_id] = Snapshots(
                runs=list(map(itemgetter(1), chunk)),
                times=read.times(map(itemgetter(2), chunk)),
                navs=read.money(map(itemgetter(3), chunk)),
            )
        # "Last seen" counts partial and failed snapshots too: the account is still collected.
        latest = _latest_taken_at(SnapshotRow.taken_at <= until)
        for account_id, seen in session.execute(
            select(AccountRow.id, latest).where(AccountRow.id.in_(ids))
        ):
            if seen is not None:
                found[account_id].last_seen = seen
        return found

    def run_prices(
        self, assets: set[str], start: datetime | None, until: datetime
    ) -> dict[str, dict[str, Decimal]]:
        """``run_id → asset → price`` of the runs in the window, for the given assets.

        Without a start, the prices of every run: the report looks prices up by its snapshots'
        runs only, so runs after ``until`` cost memory, not correctness, while the join to
        ``runs`` that would leave them out costs more than reading them (SQLite probes ``runs``
        by its text key for each price row: 130 ms against 50 ms for five years of hourly runs).
        """
        if not assets:
            return {}
        read = BulkReader(self._session)
        query = select(
            RunPriceRow.run_id, RunPriceRow.asset, read.money_column(RunPriceRow.price_usdt)
        ).where(RunPriceRow.asset.in_(sorted(assets)))
        if start is not None:
            query = query.join(RunRow, RunRow.id == RunPriceRow.run_id).where(
                RunRow.started_at >= start - _RUN_SLACK, RunRow.started_at <= until
            )
        rows = _driver_rows(self._session, query)
        found: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for (run_id, asset, _), price in zip(rows, read.money(row[2] for row in rows), strict=True):
            found[run_id][asset] = price
        return found

    def flows(
        self, ids: list[int], start: datetime | None, until: datetime
    ) -> dict[int, list[FlowRow]]:
        """Ledger flows ``(time, kind, value or None while pending)`` in ``(start, until]``."""
        query = select(
            CashFlowRow.account_id, CashFlowRow.time, CashFlowRow.kind, CashFlowRow.value_usdt
        ).where(CashFlowRow.account_id.in_(ids), CashFlowRow.time <= until)
        if start is not None:
            query = query.where(CashFlowRow.time > start)
        found: dict[int, list[FlowRow]] = defaultdict(list)
        for account_id, time, kind, value in self._session.execute(
            query.order_by(CashFlowRow.time)
        ):
            found[account_id].append((time, kind, value))
        return found

    def benchmark_paths(self, ids: list[int], until: datetime) -> dict[int, BenchmarkPath]:
        """Every account's benchmark events up to ``until`` in one query."""
        paths: dict[int, BenchmarkPath] = {}
        query = (
            select(
                BenchmarkEventRow.account_id,
                BenchmarkEventRow.time,
                BenchmarkEventRow.units_after,
                BenchmarkEventRow.net_flow_usdt,
            )
            .where(BenchmarkEventRow.account_id.in_(ids), BenchmarkEventRow.time <= until)
            .order_by(BenchmarkEventRow.account_id, BenchmarkEventRow.seq)
        )
        for account_id, time, units, net_flow in self._session.execute(query):
            path = paths.setdefault(account_id, BenchmarkPath())
            path.times.append(time)
            path.units.append({asset: Decimal(amount) for asset, amount in units.items()})
            if net_flow:
                path.flows.append(FlowAt(time, net_flow))
        return paths

    def snapshot_points(
        self, snapshot_ids: list[int]
    ) -> dict[int, tuple[int, datetime, Decimal | None]]:
        """``snapshot id → (account id, taken at, NAV)`` of the given snapshots."""
        rows = self._session.execute(
            select(
                SnapshotRow.id, SnapshotRow.account_id, SnapshotRow.taken_at, SnapshotRow.nav_usdt
            ).where(SnapshotRow.id.in_(snapshot_ids))
        )
        return {i: (account_id, taken_at, nav) for i, account_id, taken_at, nav in rows}

    def flows_between(self, account_id: int, start: datetime, end: datetime) -> list[FlowRow]:
        """One account's ledger flows in ``(start, end]``."""
        rows = self._session.execute(
            select(CashFlowRow.time, CashFlowRow.kind, CashFlowRow.value_usdt).where(
                CashFlowRow.account_id == account_id,
                CashFlowRow.time > start,
                CashFlowRow.time <= end,
            )
        )
        return [(time, kind, value) for time, kind, value in rows]


def _latest_taken_at(*conditions: ColumnElement[bool]) -> ScalarSelect[Any]:
    """The newest ``taken_at`` of the outer query's account among snapshots meeting ``conditions``.

    One correlated ``max`` per account: both engines answer it from the newest end of the
    ``(account_id, taken_at)`` index, where a ``GROUP BY`` over the accounts would read (and on
    PostgreSQL hash or sort) every snapshot before the bound: 15-20 ms for 50 accounts.
    """
    return (
        select(func.max(SnapshotRow.taken_at))
        .where(SnapshotRow.account_id == AccountRow.id, *conditions)
        .scalar_subquery()
    )


def _driver_rows(session: Session, query: Executable) -> list[Any]:
    """The rows of ``query`` as the DB-API cursor's own tuples, for plain-valued columns.

    SQLAlchemy still compiles the query and binds its parameters; only its result rows are
    skipped: they cost more than the query itself over tens of thousands of rows (30 ms over
    36,000 snapshots on PostgreSQL). The columns must need no result processing (BulkReader's).
    """
    result = session.connection().execute(query)
    try:
        return list(result.cursor.fetchall())
    finally:
        result.close()
