"""The queries of ``binfolio export csv``: streamed, set-based, plain columns.

Each table is one SELECT read in chunks (``yield_per``; a server-side cursor on PostgreSQL),
so memory stays flat whatever the row count. Times and money come back as the database holds
them (UTC text, exact text or ``Decimal``; see ``bulk_read.py``) and the service formats them.
``signals`` and ``trades`` belong to the trader; until its tables exist they export nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, Select, String, Table, inspect, select, type_coerce
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.bulk_read import BulkReader
from binfolio.adapters.storage.models import (
    AccountRow,
    BenchmarkEventRow,
    CashFlowRow,
    RunRow,
    SnapshotAssetRow,
    SnapshotRow,
)
from binfolio.errors import BinfolioError, UnknownAccountError
from binfolio.services.export.ports import CsvKind, CsvTable

AnySelect = Select[*tuple[Any, ...]]
CHUNK_ROWS = 2000
# The trader's tables (its own migration); the first name that exists is exported.
TRADER_TABLES = {"signals": ("signals",), "trades": ("trades", "orders")}

TIME, MONEY, TEXT, INT, BOOL, JSON = (
    CsvKind.TIME,
    CsvKind.MONEY,
    CsvKind.TEXT,
    CsvKind.INT,
    CsvKind.BOOL,
    CsvKind.JSON,
)


class TableMissingError(BinfolioError, LookupError):
    """The table behind ``--what`` does not exist yet (the trader has not run)."""


@dataclass(frozen=True)
class CsvFilter:
    """``--account``, ``--since`` (inclusive) and ``--until`` (exclusive)."""

    account: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class CsvExportRepository:
    """Streams one table at a time."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def table(self, what: str, where: CsvFilter) -> CsvTable:
        """The columns of ``what`` and a lazy stream of its rows.

        Raises:
            UnknownAccountError: when ``where.account`` is not a collected account.
            TableMissingError: for signals/trades before the trader created its tables.
        """
        with self._factory() as session:
            account_id = self._account_id(session, where.account)
            if what in TRADER_TABLES:
                return self._trader_table(session, what, where)
            query = _QUERIES[what](BulkReader(session), where, account_id)
        columns, kinds = zip(*_COLUMNS[what], strict=True)
        return CsvTable(columns, kinds, self._rows(query))

    def _account_id(self, session: Session, name: str | None) -> int | None:
        if name is None:
            return None
        found = session.scalar(select(AccountRow.id).where(AccountRow.name == name))
        if found is None:
            known = ", ".join(session.scalars(select(AccountRow.name).order_by(AccountRow.name)))
            raise UnknownAccountError(f"no account named {name!r} (known: {known or 'none'})")
        return found

    def _trader_table(self, session: Session, what: str, where: CsvFilter) -> CsvTable:
        """Every column of the trader's table, as it is (reflected: the trader owns it)."""
        connection = session.connection()
        inspector = inspect(connection)
        name = next((n for n in TRADER_TABLES[what] if inspector.has_table(n)), None)
        if name is None:
            raise TableMissingError(f"no {what} recorded yet: the trader has not run")
        table = Table(name, MetaData(), autoload_with=connection)
        times = [c for c in table.columns if isinstance(c.type, DateTime)]
        query: AnySelect = select(table)
        if times:
            query = _window(query, times[0], where).order_by(times[0])
        query = query.order_by(*table.primary_key.columns)
        kinds = tuple(CsvKind.ANY for _ in table.columns)
        return CsvTable(tuple(c.name for c in table.columns), kinds, self._rows(query))

    def _rows(self, query: AnySelect) -> Iterator[Sequence[Any]]:
        """The rows of ``query``, fetched in chunks (a server-side cursor on PostgreSQL)."""
        with self._factory() as session:
            connection = session.connection().execution_options(
                stream_results=True, yield_per=CHUNK_ROWS
            )
            for chunk in connection.execute(query).partitions():
                yield from chunk


def _stored(column: Any) -> Any:
    """A JSON column as stored: its text on SQLite (no parse), psycopg's value on PostgreSQL."""
    return type_coerce(column, String)


def _window(
    query: AnySelect,
    column: Any,
    where: CsvFilter,
    owner: Any = None,
    account_id: int | None = None,
) -> AnySelect:
    """``query`` limited to ``[since, until)`` on ``column`` and to the account, if any."""
    if account_id is not None:
        query = query.where(owner == account_id)
    if where.since is not None:
        query = query.where(column >= where.since)
    if where.until is not None:
        query = query.where(column < where.until)
    return query


def _snapshots(read: BulkReader, where: CsvFilter, account_id: int | None) -> AnySelect:
    m = read.money_column
    query = select(
        read.time_column(SnapshotRow.taken_at),
        AccountRow.name,
        SnapshotRow.status,
        m(SnapshotRow.nav_usdt),
        m(SnapshotRow.spot_usdt),
        m(SnapshotRow.funding_usdt),
        m(SnapshotRow.earn_usdt),
        m(SnapshotRow.futures_usdt),
        _stored(SnapshotRow.unpriced),
        _stored(SnapshotRow.reasons),
        m(SnapshotRow.binance_total_usdt),
        m(SnapshotRow.drift_pct),
        SnapshotRow.drift_flagged,
        SnapshotRow.run_id,
        SnapshotRow.id,
    ).join(AccountRow, AccountRow.id == SnapshotRow.account_id)
    return _window(query, SnapshotRow.taken_at, where, SnapshotRow.account_id, account_id).order_by(
        SnapshotRow.taken_at, SnapshotRow.id
    )


def _assets(read: BulkReader, where: CsvFilter, account_id: int | None) -> AnySelect:
    m = read.money_column
    query = (
        select(
            read.time_column(SnapshotRow.taken_at),
            AccountRow.name,
            SnapshotAssetRow.wallet,
            SnapshotAssetRow.asset,
            m(SnapshotAssetRow.amount),
            m(SnapshotAssetRow.price),
            SnapshotAssetRow.price_source,
            m(SnapshotAssetRow.value_usdt),
            m(SnapshotAssetRow.wallet_balance),
            m(SnapshotAssetRow.unrealized_pnl),
            SnapshotRow.run_id,
            SnapshotRow.id,
        )
        .join(SnapshotRow, SnapshotRow.id == SnapshotAssetRow.snapshot_id)
        .join(AccountRow, AccountRow.id == SnapshotRow.account_id)
    )
    return _window(query, SnapshotRow.taken_at, where, SnapshotRow.account_id, account_id).order_by(
        SnapshotRow.taken_at, SnapshotRow.id, SnapshotAssetRow.id
    )


def _flows(read: BulkReader, where: CsvFilter, account_id: int | None) -> AnySelect:
    m = read.money_column
    query = select(
        read.time_column(CashFlowRow.time),
        AccountRow.name,
        CashFlowRow.kind,
        CashFlowRow.coin,
        m(CashFlowRow.amount),
        m(CashFlowRow.fee),
        m(CashFlowRow.value_usdt),
        m(CashFlowRow.price_usdt),
        CashFlowRow.price_source,
        CashFlowRow.status,
        CashFlowRow.binance_id,
        read.time_column(CashFlowRow.completed_at),
        read.time_column(CashFlowRow.recorded_at),
    ).join(AccountRow, AccountRow.id == CashFlowRow.account_id)
    return _window(query, CashFlowRow.time, where, CashFlowRow.account_id, account_id).order_by(
        CashFlowRow.time, CashFlowRow.id
    )


def _benchmark(read: BulkReader, where: CsvFilter, account_id: int | None) -> AnySelect:
    m = read.money_column
    query = select(
        read.time_column(BenchmarkEventRow.time),
        AccountRow.name,
        BenchmarkEventRow.seq,
        BenchmarkEventRow.kind,
        m(BenchmarkEventRow.value_usdt),
        m(BenchmarkEventRow.net_flow_usdt),
        _stored(BenchmarkEventRow.units_after),
        _stored(BenchmarkEventRow.prices),
        BenchmarkEventRow.warning,
    ).join(AccountRow, AccountRow.id == BenchmarkEventRow.account_id)
    return _window(
        query, BenchmarkEventRow.time, where, BenchmarkEventRow.account_id, account_id
    ).order_by(BenchmarkEventRow.account_id, BenchmarkEventRow.seq)


def _runs(read: BulkReader, where: CsvFilter, account_id: int | None) -> AnySelect:
    query = select(
        read.time_column(RunRow.started_at),
        read.time_column(RunRow.finished_at),
        RunRow.id,
        RunRow.kind,
        RunRow.status,
        RunRow.duration_ms,
        RunRow.requests,
        RunRow.weight_used,
        _stored(RunRow.errors),
    )
    if account_id is not None:
        query = query.where(
            RunRow.id.in_(select(SnapshotRow.run_id).where(SnapshotRow.account_id == account_id))
        )
    return _window(query, RunRow.started_at, where).order_by(RunRow.started_at, RunRow.id)


_QUERIES = {
    "snapshots": _snapshots,
    "assets": _assets,
    "flows": _flows,
    "benchmark": _benchmark,
    "runs": _runs,
}
_COLUMNS: dict[str, list[tuple[str, CsvKind]]] = {
    "snapshots": [
        ("taken_at", TIME),
        ("account", TEXT),
        ("status", TEXT),
        ("nav_usdt", MONEY),
        ("spot_usdt", MONEY),
        ("funding_usdt", MONEY),
        ("earn_usdt", MONEY),
        ("futures_usdt", MONEY),
        ("unpriced", JSON),
        ("reasons", JSON),
        ("binance_total_usdt", MONEY),
        ("drift_pct", MONEY),
        ("drift_flagged", BOOL),
        ("run_id", TEXT),
        ("snapshot_id", INT),
    ],
    "assets": [
        ("taken_at", TIME),
        ("account", TEXT),
        ("wallet", TEXT),
        ("asset", TEXT),
        ("amount", MONEY),
        ("price_usdt", MONEY),
        ("price_source", TEXT),
        ("value_usdt", MONEY),
        ("wallet_balance", MONEY),
        ("unrealized_pnl", MONEY),
        ("run_id", TEXT),
        ("snapshot_id", INT),
    ],
    "flows": [
        ("time", TIME),
        ("account", TEXT),
        ("kind", TEXT),
        ("coin", TEXT),
        ("amount", MONEY),
        ("fee", MONEY),
        ("value_usdt", MONEY),
        ("price_usdt", MONEY),
        ("price_source", TEXT),
        ("status", INT),
        ("binance_id", TEXT),
        ("completed_at", TIME),
        ("recorded_at", TIME),
    ],
    "benchmark": [
        ("time", TIME),
        ("account", TEXT),
        ("seq", INT),
        ("kind", TEXT),
        ("value_usdt", MONEY),
        ("net_flow_usdt", MONEY),
        ("units_after", JSON),
        ("prices", JSON),
        ("warning", TEXT),
    ],
    "runs": [
        ("started_at", TIME),
        ("finished_at", TIME),
        ("run_id", TEXT),
        ("kind", TEXT),
        ("status", TEXT),
        ("duration_ms", INT),
        ("requests", INT),
        ("weight_used", INT),
        ("errors", JSON),
    ],
}
