"""SQL of the cash-flow ledger and the kline-close cache.

:func:`write_ledger_update` runs inside an account's snapshot transaction (``snapshot_store``),
so that a snapshot and its flows are stored together or not at all.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select, tuple_, update
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import insert_if_absent
from binfolio.adapters.storage.models import (
    AccountRow,
    CashFlowRow,
    KlinePriceRow,
    LedgerSyncRow,
    SnapshotRow,
)
from binfolio.domain.clock import utc_now
from binfolio.domain.flows import CashFlow
from binfolio.services.ports import FlowKey, FlowPrice, KlineKey, LedgerUpdate

# Flows valued again when re-read: pending ones, and unpriced ones (value 0) in case their coin
# can be priced now.
OPEN_SOURCES = frozenset({"pending", "unpriced"})
# Keys per IN (...) list: far below SQLite's and PostgreSQL's parameter limits.
_CHUNK = 500


class LedgerRepo:
    """:class:`binfolio.services.ports.LedgerStore` on SQLAlchemy."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def account_id(self, name: str) -> int | None:
        """The id of the account called ``name``, if it exists."""
        with self._factory() as session:
            return session.scalar(select(AccountRow.id).where(AccountRow.name == name))

    def window_start(self, account_id: int | None, end: datetime, overlap: timedelta) -> datetime:
        """``overlap`` before the end of the last window read; the first read reaches back to
        the account's first complete snapshot (the benchmark's start)."""
        if account_id is None:
            return end - overlap
        with self._factory() as session:
            synced = session.get(LedgerSyncRow, account_id)
            if synced is not None:
                return min(synced.synced_until, end) - overlap
            first_complete = session.scalar(
                select(SnapshotRow.taken_at)
                .where(SnapshotRow.account_id == account_id, SnapshotRow.status == "complete")
                .order_by(SnapshotRow.taken_at)
                .limit(1)
            )
        start = end - overlap
        return min(start, first_complete) if first_complete is not None else start

    def flow_sources(self, account_id: int, binance_ids: Collection[str]) -> dict[FlowKey, str]:
        """(kind, binance_id) → price_source of the flows already in the ledger."""
        ids = sorted(set(binance_ids))
        found: dict[FlowKey, str] = {}
        with self._factory() as session:
            for offset in range(0, len(ids), _CHUNK):
                rows = session.execute(
                    select(
                        CashFlowRow.kind, CashFlowRow.binance_id, CashFlowRow.price_source
                    ).where(
                        CashFlowRow.account_id == account_id,
                        CashFlowRow.binance_id.in_(ids[offset : offset + _CHUNK]),
                    )
                )
                for kind, binance_id, source in rows:
                    found[(kind, binance_id)] = source
        return found


class KlineRepo:
    """:class:`binfolio.services.ports.KlineCache` on SQLAlchemy."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def closes(self, keys: Collection[KlineKey]) -> dict[KlineKey, Decimal]:
        """The cached closes among ``keys``, in one query per 500 keys."""
        wanted = sorted(set(keys))
        found: dict[KlineKey, Decimal] = {}
        with self._factory() as session:
            for offset in range(0, len(wanted), _CHUNK):
                chunk = wanted[offset : offset + _CHUNK]
                rows = session.execute(
                    select(
                        KlinePriceRow.symbol, KlinePriceRow.open_time_ms, KlinePriceRow.close
                    ).where(tuple_(KlinePriceRow.symbol, KlinePriceRow.open_time_ms).in_(chunk))
                )
                for symbol, minute_ms, close in rows:
                    found[(symbol, minute_ms)] = close
        return found


def store_closes(session: Session, closes: dict[KlineKey, Decimal]) -> None:
    """Insert fetched kline closes if absent (another run may have stored them meanwhile)."""
    rows = [
        {"symbol": symbol, "open_time_ms": minute_ms, "close": close}
        for (symbol, minute_ms), close in sorted(closes.items())
    ]
    insert_if_absent(session, KlinePriceRow, rows, ["symbol", "open_time_ms"])


def write_ledger_update(session: Session, account_id: int, ledger: LedgerUpdate) -> None:
    """Insert new flows if absent, value open ones, cache closes, remember the window."""
    rows = [
        _flow_row(account_id, flow, price, ledger.recorded_at) for flow, price in ledger.new_flows
    ]
    insert_if_absent(session, CashFlowRow, rows, ["account_id", "kind", "binance_id"])
    for (kind, binance_id), price in ledger.revalue.items():
        session.execute(
            update(CashFlowRow)
            .where(
                CashFlowRow.account_id == account_id,
                CashFlowRow.kind == kind,
                CashFlowRow.binance_id == binance_id,
                CashFlowRow.price_source.in_(OPEN_SOURCES),
            )
            .values(
                value_usdt=price.value_usdt, price_usdt=price.price_usdt, price_source=price.source
            )
        )
    store_closes(session, ledger.closes)
    row = session.get(LedgerSyncRow, account_id)
    if row is None:
        session.add(
            LedgerSyncRow(
                account_id=account_id, synced_until=ledger.synced_until, synced_at=utc_now()
            )
        )
    else:
        row.synced_until = max(row.synced_until, ledger.synced_until)
        row.synced_at = utc_now()


def _flow_row(account_id: int, flow: CashFlow, price: FlowPrice, now: datetime) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "kind": flow.kind.value,
        "binance_id": flow.binance_id,
        "coin": flow.coin,
        "amount": flow.amount,
        "fee": flow.fee,
        "time": flow.time,
        "completed_at": flow.completed_at,
        "status": flow.status,
        "value_usdt": price.value_usdt,
        "price_usdt": price.price_usdt,
        "price_source": price.source,
        "raw": dict(flow.raw),
        "recorded_at": now,
    }
