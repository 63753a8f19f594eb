"""Foundation tables: accounts, runs and the bounded log table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from binfolio.adapters.storage.base import Base, UtcDateTime


class AccountRow(Base):
    """A Binance account binfolio knows, whether its key lives in config or (encrypted) here."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # Fernet tokens under the master key; NULL when the key comes from config or the environment.
    api_key_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    api_secret_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    # "abcd…wxyz": enough to recognise a key, useless to an attacker.
    api_key_masked: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class RunRow(Base):
    """One execution of a job (a snapshot run, an export, a benchmark rebuild)."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    weight_used: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Per-account outcome and counters: {"main": {"status": "complete", "requests": 7, ...}}.
    detail: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class LogRow(Base):
    """Recent log records for the dashboard's live view; pruned to a bounded size."""

    __tablename__ = "logs"
    __table_args__ = (Index("ix_logs_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    level: Mapped[str] = mapped_column(String(10))
    logger: Mapped[str] = mapped_column(String(100))
    message: Mapped[str] = mapped_column(Text)
    run_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("runs.id", ondelete="SET NULL"), nullable=True
    )
