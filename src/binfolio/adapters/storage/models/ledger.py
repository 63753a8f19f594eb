"""Ledger and benchmark tables: cash flows, cached kline closes, benchmark state and audit.

``cash_flows`` is the only source of truth here besides the snapshots; ``benchmark_states`` and
``benchmark_events`` are derived from them (and the cached prices) and can be dropped and rebuilt
with ``binfolio benchmark rebuild`` at any time.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from binfolio.adapters.storage.base import Base, Money, UtcDateTime


class CashFlowRow(Base):
    """One final deposit or withdrawal, keyed by Binance's id, valued at its kline close."""

    __tablename__ = "cash_flows"
    __table_args__ = (
        # Re-reading overlapping windows inserts each Binance record once (ON CONFLICT DO NOTHING).
        UniqueConstraint("account_id", "kind", "binance_id"),
        Index("ix_cash_flows_account_id_time", "account_id", "time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(Integer, ForeignKey("accounts.id", ondelete="CASCADE"))
    # deposit | withdrawal
    kind: Mapped[str] = mapped_column(String(16))
    binance_id: Mapped[str] = mapped_column(String(100))
    coin: Mapped[str] = mapped_column(String(32))
    # Coin units; a withdrawal's fee is separate, its outflow is amount + fee.
    amount: Mapped[Decimal] = mapped_column(Money)
    fee: Mapped[Decimal] = mapped_column(Money)
    # Deposit insertTime or withdrawal applyTime: when the balance changed.
    time: Mapped[datetime] = mapped_column(UtcDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status: Mapped[int] = mapped_column(Integer)
    # Positive USDT value of amount + fee; NULL while the kline of its minute is still open.
    value_usdt: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    price_usdt: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    # usdt | via_btc | via_eth | inverse | unpriced | pending
    price_source: Mapped[str] = mapped_column(String(16))
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)


class KlinePriceRow(Base):
    """The close at one minute: that minute's closed 1-minute kline, or, when the pair had no
    kline in that minute (a halt), the close carried forward from the last kline before it.
    Fetched once per symbol and minute, ever."""

    __tablename__ = "kline_prices"

    symbol: Mapped[str] = mapped_column(String(32), primary_key=True)
    open_time_ms: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    close: Mapped[Decimal] = mapped_column(Money)


class LedgerSyncRow(Base):
    """How far each account's deposit and withdrawal history has been read."""

    __tablename__ = "ledger_syncs"

    account_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    synced_until: Mapped[datetime] = mapped_column(UtcDateTime)
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BenchmarkStateRow(Base):
    """The cached benchmark of one account after its last applied event."""

    __tablename__ = "benchmark_states"

    account_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    # Hash of weights and schedule: a config change makes the cache stale (rebuild).
    spec_fingerprint: Mapped[str] = mapped_column(String(16))
    weights: Mapped[dict[str, str]] = mapped_column(JSON)
    rebalance_cron: Mapped[str] = mapped_column(String(64))
    start_snapshot_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("snapshots.id", ondelete="CASCADE")
    )
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    units: Mapped[dict[str, str]] = mapped_column(JSON)
    last_event_time: Mapped[datetime] = mapped_column(UtcDateTime)
    last_event_rank: Mapped[int] = mapped_column(Integer)
    last_event_ref: Mapped[str] = mapped_column(String(100))
    event_count: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class BenchmarkEventRow(Base):
    """Audit: one event that changed a benchmark's units, with prices and units before/after."""

    __tablename__ = "benchmark_events"
    __table_args__ = (
        UniqueConstraint("account_id", "seq"),
        Index("ix_benchmark_events_account_id_time", "account_id", "time"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(Integer, ForeignKey("accounts.id", ondelete="CASCADE"))
    # 0 for the start, then 1, 2, … in event order.
    seq: Mapped[int] = mapped_column(Integer)
    time: Mapped[datetime] = mapped_column(UtcDateTime)
    # start | deposit | withdrawal | rebalance
    kind: Mapped[str] = mapped_column(String(16))
    cash_flow_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey("cash_flows.id", ondelete="CASCADE"), nullable=True
    )
    # What moved: starting NAV, deposit, withdrawal actually paid, or B(R) rebalanced.
    value_usdt: Mapped[Decimal] = mapped_column(Money)
    # Signed money into (+) or out of (−) the benchmark, for the Modified Dietz terms.
    net_flow_usdt: Mapped[Decimal] = mapped_column(Money)
    units_before: Mapped[dict[str, str]] = mapped_column(JSON)
    units_after: Mapped[dict[str, str]] = mapped_column(JSON)
    prices: Mapped[dict[str, str]] = mapped_column(JSON)
    warning: Mapped[str | None] = mapped_column(Text, nullable=True)
