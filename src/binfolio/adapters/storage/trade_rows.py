"""Trader rows ↔ domain records: the conversions every trader repository shares."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.models import SignalRow, TradeRow
from binfolio.domain.trading.orders import Fill, OrderOutcome, TradeStatus
from binfolio.domain.trading.records import StoredTrade
from binfolio.domain.trading.signal import OrderType, Side, Signal
from binfolio.domain.trading.sizing import OrderPlan

# The columns a claimed signal is rebuilt from (UPDATE … RETURNING them).
SIGNAL_COLUMNS = (
    SignalRow.id,
    SignalRow.signal_key,
    SignalRow.received_at,
    SignalRow.symbol,
    SignalRow.side,
    SignalRow.order_type,
    SignalRow.amount_usdt,
    SignalRow.confidence,
    SignalRow.price,
    SignalRow.strategy,
    SignalRow.timeframe,
    SignalRow.alert_id,
    SignalRow.sent_at,
)


_SQLITE_WRITERS: dict[str, threading.Lock] = {}
_SQLITE_WRITERS_GUARD = threading.Lock()


def write_lock(factory: sessionmaker[Session]) -> AbstractContextManager[object]:
    """The lock this process's writers of a SQLite file queue on (no lock for PostgreSQL).

    SQLite admits one writer at a time; the others wait in its busy handler, which polls with
    sleeps of up to 100 ms, so under load a write that needs 1 ms could wait 100. Queueing on a
    Python lock first hands the file over as soon as it is free. Other processes still meet in
    SQLite's own lock.
    """
    bind = factory.kw["bind"]
    if bind.dialect.name != "sqlite":
        return contextlib.nullcontext()
    key = str(bind.url)
    with _SQLITE_WRITERS_GUARD:
        return _SQLITE_WRITERS.setdefault(key, threading.Lock())


@contextlib.contextmanager
def writing(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A write transaction, behind :func:`write_lock`."""
    with write_lock(factory), factory() as session, session.begin():
        yield session


def lock_key(text_key: str) -> int:
    """A signed 64-bit PostgreSQL advisory-lock key for a text key."""
    return int.from_bytes(hashlib.sha256(text_key.encode()).digest()[:8], "big", signed=True)


def signal_of(row: Row[Any] | Any) -> Signal:
    """The signal of a row selected with :data:`SIGNAL_COLUMNS`."""
    return Signal(
        symbol=row.symbol,
        side=Side(row.side),
        order_type=OrderType(row.order_type),
        amount_usdt=row.amount_usdt,
        confidence=row.confidence,
        price=row.price,
        strategy=row.strategy,
        timeframe=row.timeframe,
        alert_id=row.alert_id,
        sent_at=row.sent_at,
    )


def trade_of(row: TradeRow) -> StoredTrade:
    """A trade row as the services see it."""
    plan = OrderPlan(
        symbol=row.symbol,
        side=Side(row.side),
        order_type=OrderType(row.order_type),
        quantity=row.quantity,
        quote_order_qty=row.quote_order_qty,
        price=row.price,
        notional=row.reserved_usdt,
    )
    return StoredTrade(
        id=row.id,
        signal_id=row.signal_id,
        client_order_id=row.client_order_id,
        plan=plan,
        base_asset=row.base_asset,
        status=TradeStatus(row.status),
        attempts=row.attempts,
        created_at=row.created_at,
        updated_at=row.updated_at,
        executed_qty=row.executed_qty,
        quote_qty=row.quote_qty,
        avg_price=row.avg_price,
        exchange_order_id=row.exchange_order_id,
    )


def apply_outcome(row: TradeRow, outcome: OrderOutcome, now: datetime) -> None:
    """Copy an order's outcome onto its trade row (closing it when nothing executed)."""
    row.status = outcome.status.value
    row.exchange_order_id = outcome.exchange_order_id
    row.executed_qty = outcome.executed_qty
    row.quote_qty = outcome.quote_qty
    row.avg_price = outcome.avg_price
    row.commission_base = outcome.commission_in(row.base_asset)
    row.fills = [
        {
            "price": format(f.price, "f"),
            "qty": format(f.qty, "f"),
            "commission": format(f.commission, "f"),
            "commission_asset": f.commission_asset,
            "trade_id": f.trade_id,
        }
        for f in outcome.fills
    ]
    row.error_code = row.error = None
    row.updated_at = now
    resting = outcome.status in (TradeStatus.NEW, TradeStatus.PARTIALLY_FILLED)
    if not outcome.status.in_flight and not resting and outcome.executed_qty == 0:
        row.closed_at = now


def outcome_of(row: TradeRow) -> OrderOutcome:
    """The outcome stored on a trade row."""
    fills = tuple(
        Fill(
            Decimal(f["price"]),
            Decimal(f["qty"]),
            Decimal(f["commission"]),
            str(f["commission_asset"]),
            f.get("trade_id"),
        )
        for f in row.fills
    )
    return OrderOutcome(
        row.client_order_id,
        TradeStatus(row.status),
        row.exchange_order_id,
        row.executed_qty,
        row.quote_qty,
        fills,
    )
