"""What the pages and the JSON API show, assembled once for both.

Figures are the report service's (``binfolio report``) rendered by its own JSON renderer, so a
page, the API and ``binfolio report --format json`` give the same strings for the same period.
Badges come from each account's latest snapshot: partial, failed, unpriced, reconciliation
drift, stale (no complete snapshot for a while) and an open circuit (when a hook tells).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from binfolio.adapters.storage.dashboard_repo import DashboardRepo
from binfolio.adapters.storage.dashboard_rows import AccountStatus, Holdings
from binfolio.domain.money import ZERO
from binfolio.domain.periods import Period
from binfolio.entrypoints.web.dashboard.options import DashboardOptions
from binfolio.errors import UnknownAccountError
from binfolio.services.report.figures import ALL
from binfolio.services.report.render import line_json

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Badges:
    """What deserves the reader's attention about one account."""

    partial: bool = False
    failed: bool = False
    unpriced: list[str] = field(default_factory=list)
    drift: bool = False
    drift_pct: Decimal | None = None
    stale: bool = False
    circuit: str | None = None
    never_collected: bool = False

    @property
    def any(self) -> bool:
        """True when at least one badge shows."""
        return bool(
            self.partial
            or self.failed
            or self.unpriced
            or self.drift
            or self.stale
            or self.circuit == "open"
            or self.never_collected
        )


@dataclass(frozen=True)
class AccountView:
    """One account: its figures for the period (report JSON entry), status and badges."""

    name: str
    figures: dict[str, Any] | None
    status: AccountStatus
    badges: Badges


@dataclass(frozen=True)
class OverviewView:
    """Every account, then the total ("all") of the report."""

    period: Period
    accounts: list[AccountView]
    total: dict[str, Any] | None
    newest_snapshot_id: int


def overview(repo: DashboardRepo, period: Period, options: DashboardOptions) -> OverviewView:
    """The overview page's data: a report for every account and their statuses."""
    statuses = repo.account_statuses()
    report = repo.report(period)
    figures = {line.account: line_json(line) for line in report.lines}
    circuits = _circuits(options)
    now = options.clock()
    accounts = [
        AccountView(
            name=status.name,
            figures=figures.get(status.name),
            status=status,
            badges=badges(status, now, options, circuits.get(status.name)),
        )
        for status in statuses
    ]
    total = figures.get(ALL) if any(a.figures for a in accounts) else None
    return OverviewView(period, accounts, total, repo.newest_snapshot_id())


def account(
    repo: DashboardRepo, name: str, period: Period, options: DashboardOptions
) -> AccountView:
    """One account's figures for the period, status and badges.

    Raises:
        UnknownAccountError: when no account has that name.
    """
    found = repo.account_statuses(name)
    if not found:
        raise UnknownAccountError(name)
    status = found[0]
    figures = None
    if status.snapshot_id is not None:
        report = repo.report(period, name)
        figures = next(line_json(line) for line in report.lines if line.account == name)
    circuit = _circuits(options).get(name)
    return AccountView(name, figures, status, badges(status, options.clock(), options, circuit))


def badges(
    status: AccountStatus, now: datetime, options: DashboardOptions, circuit: str | None
) -> Badges:
    """The badges of one account at ``now``."""
    if status.snapshot_id is None:
        return Badges(never_collected=True, circuit=circuit)
    reference = status.last_complete_at or status.created_at
    return Badges(
        partial=status.status == "partial",
        failed=status.status == "failed",
        unpriced=list(status.unpriced),
        drift=status.drift_flagged,
        drift_pct=status.drift_pct,
        stale=now - reference > options.stale_after,
        circuit=circuit,
    )


def _circuits(options: DashboardOptions) -> dict[str, str]:
    if options.circuit_states is None:
        return {}
    try:
        return dict(options.circuit_states())
    except Exception:  # a broken hook must not take the page down; it shows no circuit badge
        log.exception("the circuit-state hook failed")
        return {}


@dataclass(frozen=True)
class Share:
    """A slice of the allocation: its USDT value and its share of the total."""

    name: str
    value_usdt: Decimal
    share: Decimal | None


def allocation(holdings: Holdings, by: str) -> list[Share]:
    """Holdings grouped by ``"asset"`` or ``"wallet"``, largest first; shares of the total."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in holdings.rows:
        totals[row.asset if by == "asset" else row.wallet] += row.value_usdt
    grand = sum(totals.values(), ZERO)
    slices = [
        Share(name, value, value / grand if grand > 0 else None)
        for name, value in totals.items()
        if value != 0
    ]
    return sorted(slices, key=lambda s: (-s.value_usdt, s.name))
