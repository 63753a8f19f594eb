"""Trader tables: signals, trades (orders with their fills), per-mode trader state, paper balances.

Every row carries its ``mode`` (paper, testnet, demo, live): the modes share a database but never
each other's counters, positions or client order ids. Risk counters are not stored anywhere:
they are counted from ``trades`` inside the reservation transaction (docs/trading.md).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from binfolio.adapters.storage.base import Base, Money, UtcDateTime


class TraderStateRow(Base):
    """One row per mode: the kill switch, and the row every reservation locks."""

    __tablename__ = "trader_state"

    mode: Mapped[str] = mapped_column(String(16), primary_key=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SignalRow(Base):
    """A TradingView signal, stored before it is answered; its decision is filled in later."""

    __tablename__ = "signals"
    __table_args__ = (
        # One row per alert id (or per body and arrival) in a mode: re-deliveries are duplicates.
        UniqueConstraint("mode", "signal_key"),
        Index("ix_signals_mode_body_sha256_received_at", "mode", "body_sha256", "received_at"),
        Index("ix_signals_mode_status", "mode", "status"),
        Index("ix_signals_mode_received_at", "mode", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mode: Mapped[str] = mapped_column(String(16))
    # "id:<alert id>", or "body:<sha256>:<received ms>" for alerts without an id.
    signal_key: Mapped[str] = mapped_column(String(200))
    body_sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    symbol: Mapped[str] = mapped_column(String(32))
    side: Mapped[str] = mapped_column(String(4))
    order_type: Mapped[str] = mapped_column(String(16))
    strategy: Mapped[str] = mapped_column(String(64))
    timeframe: Mapped[str] = mapped_column(String(16))
    confidence: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    amount_usdt: Mapped[Decimal] = mapped_column(Money)
    price: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    alert_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    # received → processing → executed | rejected | failed
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    deliveries: Mapped[int] = mapped_column(Integer, default=1)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The alert as received, without its secret.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)


class TradeRow(Base):
    """One order: written (``reserved``) before it is sent, then updated with the outcome."""

    __tablename__ = "trades"
    __table_args__ = (
        UniqueConstraint("mode", "client_order_id"),
        UniqueConstraint("signal_id"),
        Index("ix_trades_mode_created_at", "mode", "created_at"),
        Index("ix_trades_mode_symbol_side_created_at", "mode", "symbol", "side", "created_at"),
        Index("ix_trades_mode_status", "mode", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    mode: Mapped[str] = mapped_column(String(16))
    signal_id: Mapped[int] = mapped_column(Integer, ForeignKey("signals.id", ondelete="CASCADE"))
    client_order_id: Mapped[str] = mapped_column(String(36))
    symbol: Mapped[str] = mapped_column(String(32))
    base_asset: Mapped[str] = mapped_column(String(16))
    side: Mapped[str] = mapped_column(String(4))
    order_type: Mapped[str] = mapped_column(String(16))
    quantity: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    quote_order_qty: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    price: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    # What a buy may spend while its outcome is unknown (0 for sells).
    reserved_usdt: Mapped[Decimal] = mapped_column(Money)
    # reserved | sending | unknown | new | partially_filled | filled | expired | canceled
    # | rejected | failed (binfolio.domain.trading.orders.TradeStatus)
    status: Mapped[str] = mapped_column(String(20))
    exchange_order_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    executed_qty: Mapped[Decimal] = mapped_column(Money)
    # Binance's cummulativeQuoteQty: what the fills cost or raised, in the quote asset.
    quote_qty: Mapped[Decimal] = mapped_column(Money)
    avg_price: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    # Fees taken in the base asset: a buy's position is executed_qty minus this.
    commission_base: Mapped[Decimal] = mapped_column(Money)
    fills: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # A buy is open until a sell of its symbol executes (or it ends with nothing executed).
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class PaperBalanceRow(Base):
    """The paper account: free balance per asset, changed by paper fills."""

    __tablename__ = "paper_balances"

    asset: Mapped[str] = mapped_column(String(32), primary_key=True)
    free: Mapped[Decimal] = mapped_column(Money)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
