"""Export table: the outbox of spreadsheet rows.

A row enters ``export_outbox`` in the same transaction as its snapshot (so a saved snapshot
always has its row waiting, and a lost one never has), is rendered once and frozen (so every
retry sends identical cells), and is marked sent after Google took it (docs/exports.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from binfolio.adapters.storage.base import Base, UtcDateTime


class ExportOutboxRow(Base):
    """One spreadsheet row per (run, account), pending until Google Sheets holds it."""

    __tablename__ = "export_outbox"
    __table_args__ = (
        # Enqueueing is idempotent: a run writes one row per account, ever.
        UniqueConstraint("run_id", "account_id"),
        Index("ix_export_outbox_sent_at", "sent_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(String(36), ForeignKey("runs.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(Integer, ForeignKey("accounts.id", ondelete="CASCADE"))
    snapshot_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("snapshots.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The cells in header order, frozen at the first send attempt; NULL until then.
    cells: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    # Asset → USDT value as decimal text, for the optional wide columns.
    asset_values: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    rendered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # Appends tried; a row tried before may be in the sheet already (the Run ID check decides).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
