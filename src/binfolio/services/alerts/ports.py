"""What the alert and circuit-breaker services need from outside: stores, a notifier, key checks.

Store methods are synchronous (blocking database work); the services call them in worker
threads. ``adapters/storage/alert_repo.py`` implements both stores, ``adapters/notify.py`` the
notifier, :mod:`binfolio.services.alerts.permissions` the key reader.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from binfolio.domain.alerts import AlertKind, AlertState, Condition, NavMove, Step
from binfolio.domain.circuit import Circuit, CircuitPolicy, Transition


@dataclass(frozen=True)
class FactsWanted:
    """Which of the costlier figures to read (a kind switched off is not computed)."""

    nav_move: bool = True
    drawdown_since: datetime | None = None
    trail_since: datetime | None = None


@dataclass(frozen=True)
class AccountFacts:
    """What the stored history says about one account, for the rules of ``domain.alerts``.

    ``nav_move`` is set only when this run's snapshot is the account's latest complete one;
    ``drawdown_returns`` is None while a flow in the window has no value yet.
    """

    account: str
    known_since: datetime
    last_complete_at: datetime | None = None
    nav_move: NavMove | None = None
    drawdown_returns: Sequence[Decimal] | None = None
    twr: Decimal | None = None
    benchmark_twr: Decimal | None = None


class AlertStore(Protocol):
    """Alert states and the figures the rules read."""

    def states(self, accounts: Collection[str]) -> dict[tuple[str, AlertKind], AlertState]:
        """The stored states of these accounts' conditions."""
        ...

    def advance(self, conditions: Sequence[Condition], now: datetime) -> list[Step]:
        """Apply the conditions to their states under a row lock; the steps taken."""
        ...

    def facts(
        self,
        accounts: Collection[str],
        run_snapshots: Mapping[str, int],
        now: datetime,
        wanted: FactsWanted,
    ) -> dict[str, AccountFacts]:
        """The figures of each known account (``run_snapshots``: this run's snapshot ids)."""
        ...


class CircuitStore(Protocol):
    """The circuit breakers of the accounts."""

    def circuits(self, accounts: Collection[str]) -> dict[str, Circuit]:
        """Each named account's breaker (closed when none is stored)."""
        ...

    def record(
        self, failed: Mapping[str, bool], run_started_at: datetime, policy: CircuitPolicy
    ) -> dict[str, tuple[Circuit, Transition | None]]:
        """Record one run's outcome per account (True = failed) under a row lock."""
        ...


class Notifier(Protocol):
    """Sends a notice without ever blocking or failing the caller."""

    def send(self, title: str, body: str, kind: str) -> bool:
        """Queue a notice (``kind``: info, success, warning, failure); False when dropped."""
        ...


class KeyPermissionsReader(Protocol):
    """Reads what an account's API key may do (Binance's ``apiRestrictions``)."""

    async def restrictions(self, account: str) -> Mapping[str, object] | None:
        """The key's switches, or None when they cannot be read now."""
        ...
