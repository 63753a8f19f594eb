"""Snapshot tables: one snapshot per (run, account), its asset rows, and the run's prices.

``run_prices`` keeps every price a run used (plus BTC, ETH and the benchmark's assets) so that
performance figures and the benchmark can be recomputed from stored data alone.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from binfolio.adapters.storage.base import Base, Money, UtcDateTime


class SnapshotRow(Base):
    """The valued state of one account at one run."""

    __tablename__ = "snapshots"
    __table_args__ = (
        UniqueConstraint("run_id", "account_id"),
        Index("ix_snapshots_account_id_taken_at", "account_id", "taken_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(36), ForeignKey("runs.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(Integer, ForeignKey("accounts.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # complete | partial | failed; only complete snapshots enter performance figures.
    status: Mapped[str] = mapped_column(String(16))
    # NULL when the account failed: unknown is not zero.
    nav_usdt: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    # NULL = wallet switched off or failed (see reasons), never "zero by accident".
    spot_usdt: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    funding_usdt: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    earn_usdt: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    futures_usdt: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    unpriced: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Reconciliation against Binance's own USDT total (NULL when disabled or unavailable).
    binance_total_usdt: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    drift_pct: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    drift_flagged: Mapped[bool] = mapped_column(Boolean, default=False)


class SnapshotAssetRow(Base):
    """One asset of one wallet in a snapshot, with the price and where it came from."""

    __tablename__ = "snapshot_assets"
    __table_args__ = (UniqueConstraint("snapshot_id", "wallet", "asset"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    snapshot_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("snapshots.id", ondelete="CASCADE")
    )
    # spot | funding | earn_flexible | earn_locked | futures
    wallet: Mapped[str] = mapped_column(String(16))
    asset: Mapped[str] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(Money)
    price: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    # usdt (USDT itself or the ASSETUSDT pair) | via_btc | via_eth | inverse | unpriced
    price_source: Mapped[str] = mapped_column(String(16))
    value_usdt: Mapped[Decimal] = mapped_column(Money)
    # Futures only: amount is marginBalance = wallet_balance + unrealized_pnl.
    wallet_balance: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    unrealized_pnl: Mapped[Decimal | None] = mapped_column(Money, nullable=True)


class RunPriceRow(Base):
    """A USDT price used (or kept for the benchmark) in one run."""

    __tablename__ = "run_prices"

    run_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True
    )
    asset: Mapped[str] = mapped_column(String(32), primary_key=True)
    price_usdt: Mapped[Decimal] = mapped_column(Money)
    price_source: Mapped[str] = mapped_column(String(16))
