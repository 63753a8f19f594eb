"""What a collection run returns: per-account results and the run, and their JSON shape.

The JSON is the public ``binfolio snapshot --json`` object (docs/architecture.md, "Public
interfaces"); money is a decimal string, never a float.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from binfolio.domain.money import fmt
from binfolio.domain.snapshot import WALLET_GROUPS, Reconciliation, SnapshotStatus


def _money(value: Decimal | None) -> str | None:
    return None if value is None else fmt(value)


@dataclass(frozen=True)
class AccountResult:
    """How one account's snapshot went."""

    account: str
    status: SnapshotStatus
    nav_usdt: Decimal | None
    wallet_totals: Mapping[str, Decimal | None]
    unpriced: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    requests: int = 0
    weight: int = 0
    uid_weight: int = 0
    duration_ms: int = 0
    reconciliation: Reconciliation | None = None
    snapshot_id: int | None = None

    def to_json(self) -> dict[str, Any]:
        """The account entry of ``binfolio snapshot --json``."""
        data: dict[str, Any] = {
            "account": self.account,
            "status": self.status.value,
            "nav_usdt": _money(self.nav_usdt),
            "wallets": {g: _money(self.wallet_totals.get(g)) for g in WALLET_GROUPS},
            "unpriced": list(self.unpriced),
            "errors": list(self.errors),
            "requests": self.requests,
            "weight": self.weight,
            "uid_weight": self.uid_weight,
            "duration_ms": self.duration_ms,
        }
        if self.reconciliation is not None:
            data["reconciliation"] = {
                "binance_total_usdt": _money(self.reconciliation.binance_total_usdt),
                "drift_pct": _money(self.reconciliation.drift_pct),
                "flagged": self.reconciliation.flagged,
            }
        return data


@dataclass(frozen=True)
class RunResult:
    """How a whole run went. ``requests``/``weight`` include the shared price request."""

    run_id: str
    started_at: datetime
    finished_at: datetime
    status: str
    accounts: tuple[AccountResult, ...]
    requests: int
    weight: int
    price_requests: int
    errors: tuple[str, ...] = ()
    banned_until: datetime | None = None
    banned: bool = False
    limiter_waits: int = 0
    # The least time Binance's per-IP limits allowed this run, and where it waited on them.
    limit_floor_s: float = 0.0
    limit_notes: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def duration_ms(self) -> int:
        return int((self.finished_at - self.started_at).total_seconds() * 1000)

    @property
    def all_complete(self) -> bool:
        """True when every account's snapshot is complete (``binfolio snapshot`` exits 0)."""
        return all(a.status is SnapshotStatus.COMPLETE for a in self.accounts)

    def to_json(self) -> dict[str, Any]:
        """The ``binfolio snapshot --json`` object (docs/architecture.md), plus run-level fields."""
        return {
            "run_id": self.run_id,
            "started_at": self.started_at.isoformat(),
            "status": self.status,
            "duration_ms": self.duration_ms,
            "requests": self.requests,
            "weight": self.weight,
            "errors": list(self.errors),
            "limit_floor_s": self.limit_floor_s,
            "limits": list(self.limit_notes),
            "accounts": [a.to_json() for a in self.accounts],
        }
