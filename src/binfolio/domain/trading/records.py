"""The trader's stored records as the services see them (the database shapes stay in storage)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from binfolio.domain.money import ZERO
from binfolio.domain.trading.orders import TradeStatus
from binfolio.domain.trading.signal import Signal
from binfolio.domain.trading.sizing import OrderPlan


class SignalStatus:
    """A stored signal's life: received → processing → executed | rejected | failed."""

    RECEIVED = "received"
    PROCESSING = "processing"
    EXECUTED = "executed"
    REJECTED = "rejected"
    FAILED = "failed"


@dataclass(frozen=True)
class NewSignal:
    """A signal to store: its dedupe key, body hash and arrival time."""

    signal: Signal
    signal_key: str
    body_sha256: str
    received_at: datetime
    payload: dict[str, Any]


@dataclass(frozen=True)
class IngestOutcome:
    """What storing a delivery did: ``accepted``, ``duplicate`` or ``rejected``."""

    status: str
    signal_id: int
    reason: str = ""


@dataclass(frozen=True)
class StoredSignal:
    """A signal claimed by a worker."""

    id: int
    signal_key: str
    signal: Signal
    received_at: datetime


@dataclass(frozen=True)
class TradeCounts:
    """The stored facts the risk rules and sizing need, counted inside one transaction.

    Attributes:
        paused: the kill switch.
        trades_today: orders since 00:00 UTC that took a slot.
        open_trades: buys not yet closed by a sell.
        last_trade_at: the last trade of the signal's symbol and side.
        position_qty: base units the open buys of the symbol hold (fees in base deducted).
        pending_usdt: what buys may have spent that the balance read did not show yet.
    """

    paused: bool = False
    trades_today: int = 0
    open_trades: int = 0
    last_trade_at: datetime | None = None
    position_qty: Decimal = ZERO
    pending_usdt: Decimal = ZERO


@dataclass(frozen=True)
class NewTrade:
    """An order to reserve: its plan, client id and what a buy may spend."""

    plan: OrderPlan
    client_order_id: str
    base_asset: str
    reserved_usdt: Decimal


@dataclass(frozen=True)
class StoredTrade:
    """A trade row, for placement and reconciliation."""

    id: int
    signal_id: int
    client_order_id: str
    plan: OrderPlan
    base_asset: str
    status: TradeStatus
    attempts: int
    created_at: datetime
    updated_at: datetime
    executed_qty: Decimal = ZERO
    quote_qty: Decimal = ZERO
    avg_price: Decimal | None = None
    exchange_order_id: int | None = None


@dataclass(frozen=True)
class TraderOverview:
    """What ``GET /status`` shows of the stored state."""

    paused: bool
    paused_reason: str | None
    trades_today: int
    open_trades: int
    recent_signals: list[dict[str, Any]] = field(default_factory=list)
