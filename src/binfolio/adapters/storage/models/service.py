"""Service tables: what the always-on service keeps between runs (docs/alerts.md, docs/deploy.md).

Alerts and circuit breakers (``alert_states``, ``circuit_states``) — and the scheduler's run
locks and account claims — each in its own section below.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from binfolio.adapters.storage.base import Base, UtcDateTime

# --- alerts and circuit breakers -------------------------------------------------------------


class AlertStateRow(Base):
    """Whether one alert condition of one account holds, so that it alerts once per episode."""

    __tablename__ = "alert_states"

    # An account name, or "*" for conditions about a whole run; no foreign key for that reason.
    account: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean)
    # When the condition last became active, or cleared.
    since: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    detail: Mapped[str] = mapped_column(Text)
    # What the last check saw, for rules that compare with it (a key's permission switches).
    observed: Mapped[dict[str, object] | None] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CircuitStateRow(Base):
    """One account's circuit breaker (``binfolio.domain.circuit``)."""

    __tablename__ = "circuit_states"

    account_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    # closed | open
    state: Mapped[str] = mapped_column(String(16))
    consecutive_failures: Mapped[int] = mapped_column(Integer)
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    next_probe_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    probe_delay_slots: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


# --- the scheduler: account claims and collector heartbeats ----------------------------------


class SlotClaimRow(Base):
    """One account taken by one collector for one schedule slot: each is collected once a slot.

    Collectors insert claims if absent (``docs/service.md``); the primary key makes a second
    claim of the same account and slot impossible, whichever process or host tries.
    """

    __tablename__ = "slot_claims"
    __table_args__ = (Index("ix_slot_claims_slot_start", "slot_start"),)

    account_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True
    )
    slot_start: Mapped[datetime] = mapped_column(UtcDateTime, primary_key=True)
    collector_id: Mapped[str] = mapped_column(String(36))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime)


class CollectorRow(Base):
    """A `binfolio serve` process that collects: its heartbeat and its next scheduled run."""

    __tablename__ = "collectors"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    schedule_cron: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    next_run_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_slot: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
