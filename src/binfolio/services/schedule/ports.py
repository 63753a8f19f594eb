"""What the schedule needs from storage and locks, as interfaces.

``adapters/storage/schedule_repo.py`` implements :class:`ScheduleStore` and
``adapters/storage/locks.py`` implements :class:`AccountLocks`. Both are synchronous (they do
blocking database or file work): async code calls them through a ``Db`` runner.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

# A collector not heard from for this long is taken for dead: shares are drawn up without it,
# and `health` no longer shows its next run. Heartbeats come every HEARTBEAT_S.
HEARTBEAT_S = 15.0
LIVENESS = timedelta(seconds=3 * HEARTBEAT_S)


@dataclass(frozen=True)
class CollectorBeat:
    """A collector's heartbeat: who it is and when it runs next."""

    collector_id: str
    host: str
    pid: int
    schedule_cron: str
    started_at: datetime
    seen_at: datetime
    next_run_at: datetime | None
    last_slot: datetime | None


@dataclass(frozen=True)
class Pruned:
    """Rows deleted by one retention pass."""

    logs: int
    claims: int
    collectors: int


class ScheduleStore(Protocol):
    """Account claims per slot, collector heartbeats, retention and the reads of `health`."""

    def claim(
        self, slot: datetime, collector_id: str, names: Sequence[str], now: datetime
    ) -> list[str]:
        """Claim each of ``names`` for ``slot`` unless another collector has; the ones won."""
        ...

    def unclaimed(self, slot: datetime, names: Collection[str]) -> list[str]:
        """Those of ``names`` nobody has claimed for ``slot``, sorted."""
        ...

    def beat(self, beat: CollectorBeat) -> None:
        """Record a collector's heartbeat (insert or update)."""
        ...

    def live_collectors(self, seen_since: datetime) -> list[CollectorBeat]:
        """Collectors heard from since ``seen_since``, by id."""
        ...

    def forget_collector(self, collector_id: str) -> None:
        """Remove a collector that stops cleanly (the others take its share at once)."""
        ...

    def prune(
        self, *, logs_before: datetime, claims_before: datetime, collectors_before: datetime
    ) -> Pruned:
        """Delete log rows, slot claims and silent collectors older than the given times."""
        ...

    def last_complete(self, names: Collection[str]) -> dict[str, datetime | None]:
        """When each account's newest complete snapshot was taken (None: never)."""
        ...

    def circuit_states(self) -> dict[str, str]:
        """Each account's circuit-breaker state (``closed``/``open``), where one is stored."""
        ...


class AccountGrant(Protocol):
    """Run locks held for a set of accounts."""

    held: list[str]
    busy: list[str]

    def release(self) -> None:
        """Release them."""
        ...


class AccountLocks(Protocol):
    """Per-account run locks across processes (``adapters.storage.locks``)."""

    def acquire(self, names: Sequence[str], wait_s: float) -> AccountGrant:
        """Take what is free within ``wait_s``; the rest comes back as ``busy``."""
        ...
