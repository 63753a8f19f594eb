"""Health: is every account's data fresh, and is anybody collecting?

An account is fresh while fewer than ``stale_after_intervals`` (default 2) slots of the
schedule have passed since its last complete snapshot. Counting slots rather than comparing
with twice "the" interval keeps irregular schedules right: ``0 8 * * 1-5`` is not stale on a
Monday morning because of the weekend. Each slot is counted only once its run has had
``grace`` to finish (the collector's deadline), so a run under way never reads as missing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from binfolio.services.schedule.cron import Schedule
from binfolio.services.schedule.ports import LIVENESS, CollectorBeat, ScheduleStore


@dataclass(frozen=True)
class AccountHealth:
    """One account's freshness."""

    account: str
    last_complete_at: datetime | None
    fresh: bool
    circuit: str | None = None
    reason: str | None = None

    def age_s(self, now: datetime) -> float | None:
        """Seconds since the last complete snapshot."""
        if self.last_complete_at is None:
            return None
        return round((now - self.last_complete_at).total_seconds(), 3)


@dataclass(frozen=True)
class HealthReport:
    """The answer of `binfolio health` and ``GET /health``."""

    ok: bool
    checked_at: datetime
    schedule_cron: str
    accounts: list[AccountHealth]
    reasons: list[str]
    collectors: list[CollectorBeat] = field(default_factory=list)

    @property
    def next_run_at(self) -> datetime | None:
        """The earliest next run any live collector announced."""
        times = [c.next_run_at for c in self.collectors if c.next_run_at is not None]
        return min(times) if times else None

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (times ISO 8601 UTC)."""
        return {
            "status": "ok" if self.ok else "unhealthy",
            "checked_at": self.checked_at.isoformat(),
            "schedule_cron": self.schedule_cron,
            "next_run_at": _iso(self.next_run_at),
            "reasons": self.reasons,
            "accounts": [
                {
                    "account": a.account,
                    "fresh": a.fresh,
                    "last_complete_at": _iso(a.last_complete_at),
                    "age_s": a.age_s(self.checked_at),
                    "circuit": a.circuit,
                }
                for a in self.accounts
            ],
            "collectors": [
                {
                    "id": c.collector_id,
                    "host": c.host,
                    "pid": c.pid,
                    "seen_at": _iso(c.seen_at),
                    "next_run_at": _iso(c.next_run_at),
                    "last_slot": _iso(c.last_slot),
                }
                for c in self.collectors
            ],
        }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def assess(
    names: Sequence[str],
    last_complete: Mapping[str, datetime | None],
    schedule: Schedule,
    now: datetime,
    *,
    grace: timedelta,
    stale_after_intervals: int = 2,
    collectors: Sequence[CollectorBeat] = (),
    circuits: Mapping[str, str] | None = None,
) -> HealthReport:
    """Judge each account's freshness against the schedule."""
    circuits = circuits or {}
    accounts: list[AccountHealth] = []
    reasons: list[str] = []
    counted_until = now - grace
    for name in names:
        last = last_complete.get(name)
        circuit = circuits.get(name)
        reason: str | None
        if last is None:
            reason = f"{name}: no complete snapshot yet"
            fresh = False
        else:
            passed = schedule.slots_between(last, counted_until, limit=stale_after_intervals)
            fresh = passed < stale_after_intervals
            reason = (
                None
                if fresh
                else f"{name}: last complete snapshot {_ago(now - last)} ago, at "
                f"{last:%Y-%m-%d %H:%M:%S} UTC; {stale_after_intervals} or more slots of "
                f"'{schedule.expression}' have passed since"
            )
        if circuit == "open" and reason is not None:
            reason = f"{reason} (circuit open: the account is paused after repeated failures)"
        if reason:
            reasons.append(reason)
        accounts.append(AccountHealth(name, last, fresh, circuit, reason))
    if not names:
        reasons.append("no accounts configured")
    return HealthReport(
        ok=not reasons,
        checked_at=now,
        schedule_cron=schedule.expression,
        accounts=accounts,
        reasons=reasons,
        collectors=list(collectors),
    )


def _ago(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def check_health(
    store: ScheduleStore,
    names: Sequence[str],
    schedule: Schedule,
    now: datetime,
    *,
    grace: timedelta,
    stale_after_intervals: int = 2,
) -> HealthReport:
    """Read what health needs from ``store`` and :func:`assess` it (blocking: call from a thread).

    Raises:
        Exception: whatever the store raises when the database cannot be read.
    """
    return assess(
        names,
        store.last_complete(names),
        schedule,
        now,
        grace=grace,
        stale_after_intervals=stale_after_intervals,
        collectors=store.live_collectors(now - LIVENESS),
        circuits=store.circuit_states(),
    )
