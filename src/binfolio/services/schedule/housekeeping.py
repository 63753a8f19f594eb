"""What `binfolio serve` does beside the runs: flush logs, beat its heart, prune old rows.

Each chore runs every so often until the service stops; a chore that fails is logged and tried
again next time, never taking the service down with it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from binfolio.domain.clock import Clock
from binfolio.services.ports import Db
from binfolio.services.schedule.loop import Scheduler, wait_or_stop
from binfolio.services.schedule.ports import CollectorBeat, ScheduleStore

log = logging.getLogger(__name__)

# Silent collectors are forgotten after a day (they no longer count for `health` anyway).
FORGET_COLLECTORS_AFTER = timedelta(days=1)


async def every(
    stop: asyncio.Event, interval_s: float, chore: Callable[[], Awaitable[object]], name: str
) -> None:
    """Run ``chore`` now and then every ``interval_s`` until ``stop`` is set."""
    while not stop.is_set():
        try:
            await chore()
        except Exception:
            log.exception("%s failed; trying again in %.0f s", name, interval_s)
        await wait_or_stop(stop, interval_s)


@dataclass
class Heartbeat:
    """Writes this collector's heartbeat and next run, which shares and `health` read."""

    store: ScheduleStore
    db: Db
    scheduler: Scheduler
    collector_id: str
    host: str
    pid: int
    started_at: datetime
    clock: Clock

    async def __call__(self) -> None:
        """Record that this collector is alive, and when it runs next."""
        beat = CollectorBeat(
            collector_id=self.collector_id,
            host=self.host,
            pid=self.pid,
            schedule_cron=self.scheduler.schedule.expression,
            started_at=self.started_at,
            seen_at=self.clock(),
            next_run_at=self.scheduler.next_run_at,
            last_slot=self.scheduler.last_slot,
        )
        await self.db.call(self.store.beat, beat)

    async def leave(self) -> None:
        """Remove the heartbeat at a clean stop, so the others take the share at once."""
        await self.db.call(self.store.forget_collector, self.collector_id)


@dataclass
class Retention:
    """Deletes log rows and slot claims older than ``retention_days`` (daily)."""

    store: ScheduleStore
    db: Db
    retention_days: int
    clock: Clock

    async def __call__(self) -> None:
        """One pruning pass."""
        now = self.clock()
        cutoff = now - timedelta(days=self.retention_days)
        pruned = await self.db.call(
            self.store.prune,
            logs_before=cutoff,
            claims_before=cutoff,
            collectors_before=now - FORGET_COLLECTORS_AFTER,
        )
        if pruned.logs or pruned.claims or pruned.collectors:
            log.info(
                "retention: deleted %d log row(s) and %d slot claim(s) older than %d days, "
                "%d silent collector(s)",
                pruned.logs,
                pruned.claims,
                self.retention_days,
                pruned.collectors,
            )
