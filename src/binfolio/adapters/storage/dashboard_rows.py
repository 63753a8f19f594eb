"""What the dashboard's repository returns: plain values, no ORM objects, no SQLAlchemy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from binfolio.domain.performance import FlowAt
from binfolio.services.report.data import BenchmarkPath


@dataclass(frozen=True)
class AccountStatus:
    """An account and what its latest snapshot says about it (None: never collected)."""

    account_id: int
    name: str
    created_at: datetime
    snapshot_id: int | None = None
    taken_at: datetime | None = None
    status: str | None = None
    reasons: list[str] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)
    drift_flagged: bool = False
    drift_pct: Decimal | None = None
    run_status: str | None = None
    last_complete_at: datetime | None = None


@dataclass(frozen=True)
class NavColumns:
    """Complete snapshots of one account as parallel columns of chart floats."""

    snapshot_ids: list[int]
    time_ms: list[float]
    nav_usdt: list[float]


@dataclass(frozen=True)
class ChartInputs:
    """An account's chart inputs: where the period's figures start, the snapshots from there,
    its valued flows (signed USDT) and its benchmark path (None: no benchmark yet)."""

    start: datetime | None
    columns: NavColumns
    flows: list[FlowAt]
    benchmark: BenchmarkPath | None


@dataclass(frozen=True)
class HoldingRow:
    """One asset of one wallet in a snapshot."""

    wallet: str
    asset: str
    amount: Decimal
    price: Decimal | None
    price_source: str
    value_usdt: Decimal


@dataclass(frozen=True)
class Holdings:
    """The newest snapshot that holds assets (not failed), with its asset rows."""

    snapshot_id: int
    taken_at: datetime
    status: str
    nav_usdt: Decimal | None
    unpriced: list[str]
    rows: list[HoldingRow]


@dataclass(frozen=True)
class FlowLine:
    """A deposit or withdrawal from the ledger (value None while its kline is open)."""

    time: datetime
    kind: str
    coin: str
    amount: Decimal
    fee: Decimal
    value_usdt: Decimal | None
    price_source: str


@dataclass(frozen=True)
class RunLine:
    """A run as one account saw it: the run record and the account's line in it."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None
    run_status: str
    snapshot_status: str
    nav_usdt: Decimal | None
    detail: dict[str, Any]
    reasons: list[str]
    run_duration_ms: int | None
    run_requests: int
    run_weight: int


@dataclass(frozen=True)
class LogLine:
    """One stored log record."""

    id: int
    created_at: datetime
    level: str
    logger: str
    message: str
    run_id: str | None
