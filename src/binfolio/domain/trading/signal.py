"""A TradingView alert, once it has been read and checked at the HTTP edge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Side(StrEnum):
    """Which way an order goes."""

    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    """The order types the trader places."""

    MARKET = "MARKET"
    LIMIT = "LIMIT"


@dataclass(frozen=True)
class Signal:
    """One trading signal.

    Attributes:
        symbol: the Binance symbol, e.g. ``BTCUSDT``.
        side: BUY opens (or adds to) a trade; SELL closes the symbol's open trades.
        order_type: MARKET, or LIMIT at ``price``.
        amount_usdt: what a BUY spends (the configured default when the alert gives none).
        confidence: 0-100 as sent by the alert; None when it sent none.
        price: the limit price (LIMIT), or the alert's reference price (MARKET, informative).
        strategy: the alert's strategy name (audit only).
        timeframe: the alert's chart interval (audit only).
        alert_id: the alert's own id; deliveries with the same id are one signal.
        sent_at: when the alert fired (``{{timenow}}``), for the stale-signal rule.
    """

    symbol: str
    side: Side
    order_type: OrderType
    amount_usdt: Decimal
    confidence: Decimal | None = None
    price: Decimal | None = None
    strategy: str = ""
    timeframe: str = ""
    alert_id: str | None = None
    sent_at: datetime | None = None
