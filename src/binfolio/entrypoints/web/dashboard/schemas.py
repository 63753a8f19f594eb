"""The JSON API's response models: money and ratios as decimal strings, chart points as floats.

``Figures`` is one entry of ``binfolio report --format json`` (DESIGN.md, performance figures),
key for key and string for string.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from binfolio.adapters.storage.dashboard_rows import AccountStatus
from binfolio.domain.money import fmt
from binfolio.entrypoints.web.dashboard.views import AccountView, Badges


class Figures(BaseModel):
    """Performance over the period, as ``binfolio report --format json`` prints it."""

    account: str
    nav: str | None
    benchmark_value: str | None
    excess_usdt: str | None
    excess_pct: str | None
    net_flows_usdt: str | None
    twr: str | None
    benchmark_twr: str | None
    alpha: str | None
    max_drawdown: str | None
    volatility: str | None
    sharpe: str | None
    first_snapshot_at: str | None
    last_snapshot_at: str | None
    intervals: int
    warnings: list[str]


class Status(BaseModel):
    """The latest snapshot of an account and the badges it earns."""

    last_snapshot_at: datetime | None = Field(description="Latest snapshot of any status.")
    snapshot_status: str | None = Field(description="complete, partial or failed.")
    run_status: str | None = Field(description="Status of the run that took that snapshot.")
    last_complete_at: datetime | None
    reasons: list[str] = Field(description="Why the latest snapshot is partial or failed.")
    partial: bool
    failed: bool
    unpriced: list[str] = Field(description="Assets without a USDT price (valued at 0).")
    drift: bool = Field(description="Our total differs from Binance's by more than the tolerance.")
    drift_pct: str | None
    stale: bool = Field(description="No complete snapshot for longer than the schedule allows.")
    circuit: str | None = Field(description="Circuit-breaker state when known (open: paused).")
    never_collected: bool

    @classmethod
    def of(cls, status: AccountStatus, badges: Badges) -> Status:
        """From the repository's status and the computed badges."""
        return cls(
            last_snapshot_at=status.taken_at,
            snapshot_status=status.status,
            run_status=status.run_status,
            last_complete_at=status.last_complete_at,
            reasons=status.reasons,
            partial=badges.partial,
            failed=badges.failed,
            unpriced=badges.unpriced,
            drift=badges.drift,
            drift_pct=_text(badges.drift_pct),
            stale=badges.stale,
            circuit=badges.circuit,
            never_collected=badges.never_collected,
        )


class AccountSummary(BaseModel):
    """One account over the period."""

    name: str
    figures: Figures | None = Field(description="Null until the account has a snapshot.")
    status: Status

    @classmethod
    def of(cls, view: AccountView) -> AccountSummary:
        """From the view both pages and the API use."""
        return cls(
            name=view.name,
            figures=Figures.model_validate(view.figures) if view.figures else None,
            status=Status.of(view.status, view.badges),
        )


class Overview(BaseModel):
    """``GET /api/accounts``: every account and the total ("all")."""

    since: datetime | None
    until: datetime
    accounts: list[AccountSummary]
    total: Figures | None
    newest_snapshot_id: int


class Summary(BaseModel):
    """``GET /api/accounts/{name}/summary``."""

    since: datetime | None
    until: datetime
    account: AccountSummary


class Series(BaseModel):
    """``GET /api/accounts/{name}/series``: parallel columns, at most ``max_points`` long."""

    account: str
    since: datetime | None
    until: datetime
    start: datetime | None = Field(description="First snapshot the figures count from.")
    total_points: int = Field(description="Complete snapshots in the period.")
    returned_points: int
    max_points: int
    time: list[datetime]
    nav_usdt: list[float]
    benchmark_usdt: list[float | None]
    twr_index: list[float] = Field(description="Growth of 1 USDT from the start (TWR + 1).")
    drawdown: list[float] = Field(description="Fraction below the index's running peak (≤ 0).")


class Holding(BaseModel):
    """One asset of one wallet, valued with the price source the valuation rule used."""

    wallet: str
    asset: str
    amount: str
    price: str | None
    price_source: str = Field(description="usdt, via_btc, via_eth, inverse or unpriced.")
    value_usdt: str
    share: str | None


class Slice(BaseModel):
    """A slice of the allocation."""

    name: str
    value_usdt: str
    share: str | None


class Holdings(BaseModel):
    """``GET /api/accounts/{name}/holdings``: the newest snapshot that holds assets."""

    account: str
    snapshot_id: int | None
    taken_at: datetime | None
    status: str | None
    nav_usdt: str | None
    unpriced: list[str]
    assets: list[Holding]
    by_asset: list[Slice]
    by_wallet: list[Slice]


class Flow(BaseModel):
    """A deposit or withdrawal (value null while its 1-minute kline is still open)."""

    time: datetime
    kind: str
    coin: str
    amount: str
    fee: str
    value_usdt: str | None
    price_source: str


class Flows(BaseModel):
    """``GET /api/accounts/{name}/flows``: newest first."""

    account: str
    since: datetime | None
    until: datetime
    flows: list[Flow]
    truncated: bool = Field(description="True when more flows exist than the limit returned.")


class Run(BaseModel):
    """A snapshot run as one account saw it."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None
    run_status: str
    snapshot_status: str
    nav_usdt: str | None
    duration_ms: int | None = Field(description="The account's own time in the run.")
    requests: int | None = Field(description="Binance requests made for this account.")
    weight: int | None = Field(description="Binance request weight spent on this account.")
    errors: list[str]
    run_duration_ms: int | None
    run_requests: int
    run_weight: int


class Runs(BaseModel):
    """``GET /api/accounts/{name}/runs``: newest first."""

    account: str
    runs: list[Run]


class Health(BaseModel):
    """``GET /health``."""

    status: str = Field(description="ok, or degraded when the database is not ready.")
    database: str = Field(description="ok, unreachable, empty or behind.")
    detail: str | None = None


def _text(value: Decimal | None) -> str | None:
    return fmt(value) if value is not None else None


def detail_int(detail: dict[str, Any], key: str) -> int | None:
    """An integer from a run's per-account line, None when absent or malformed."""
    value = detail.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None
