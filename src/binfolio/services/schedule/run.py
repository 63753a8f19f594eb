"""One slot of the schedule: claim accounts, lock them, collect them, release them.

Several collectors (``binfolio serve --role collector`` on several hosts, one PostgreSQL) share
the accounts of each slot:

1. Each live collector (heard from within ``ports.LIVENESS``) takes its *home* share: the
   accounts whose position in the sorted list falls to its rank among the live collectors, so
   that views that agree never compete and an account stays with one collector slot after slot.
2. The claim is a row per (account, slot) inserted if absent: whatever the views, only one
   collector can hold an account's slot.
3. Before it collects, the collector takes the accounts' run locks (``adapters.storage.locks``)
   without waiting: an account still being collected by a run that overran, or by a manual
   ``binfolio snapshot``, is skipped for this slot rather than collected twice at once.
4. Then it *sweeps*: it claims, a share at a time, whatever nobody has claimed for the slot — the
   share of a collector that died since its last heartbeat, or of one that woke up late.

A collector killed mid-slot loses the slot of the accounts it had claimed and not yet stored
(each account is written in one transaction: there are never partial rows); at the next slot
its heartbeat is stale, and the others divide its accounts between them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from binfolio.domain.clock import Clock
from binfolio.services.accounts.registry import ResolvedAccount
from binfolio.services.collect.results import RunResult
from binfolio.services.ports import Db, Exchange, Storage
from binfolio.services.schedule.ports import LIVENESS, AccountLocks, ScheduleStore

if TYPE_CHECKING:
    from binfolio.config import Settings

log = logging.getLogger(__name__)

CollectAccounts = Callable[[list[ResolvedAccount]], Awaitable[RunResult]]
"""Collects the given accounts in one snapshot run."""
Admit = Callable[[list[str], datetime], Awaitable[list[str]]]
"""Of the accounts about to be collected in a slot, those to collect (a circuit breaker)."""


@dataclass
class SlotOutcome:
    """What one collector did in one slot."""

    slot: datetime
    runs: list[RunResult] = field(default_factory=list)
    claimed: list[str] = field(default_factory=list)
    busy: list[str] = field(default_factory=list)
    """Claimed, but another run held the account's lock: skipped, already running."""
    held_back: list[str] = field(default_factory=list)
    """Claimed and locked, but ``admit`` said no (e.g. the account's circuit is open)."""


@dataclass
class SlotRunner:
    """Runs the slots of one collector process."""

    collector_id: str
    store: ScheduleStore
    locks: AccountLocks
    db: Db
    collect: CollectAccounts
    clock: Clock
    admit: Admit | None = None

    async def run_slot(
        self, slot: datetime, accounts: Mapping[str, ResolvedAccount]
    ) -> SlotOutcome:
        """Collect this collector's share of ``accounts`` for ``slot``, then sweep the rest."""
        outcome = SlotOutcome(slot)
        ordered = sorted(accounts)
        if not ordered:
            return outcome
        now = self.clock()
        live = await self.db.call(self.store.live_collectors, now - LIVENESS)
        ids = sorted({beat.collector_id for beat in live} | {self.collector_id})
        rank, count = ids.index(self.collector_id), len(ids)
        share = math.ceil(len(ordered) / count)
        home = [name for i, name in enumerate(ordered) if i % count == rank]
        await self._claim_and_collect(outcome, home, accounts)
        while True:
            left = await self.db.call(self.store.unclaimed, slot, ordered)
            if not left:
                return outcome
            won = await self._claim_and_collect(outcome, left[:share], accounts)
            if won:  # else another collector took those: look again
                log.info("slot %s: took over %s", _label(slot), ", ".join(won))

    async def _claim_and_collect(
        self, outcome: SlotOutcome, names: list[str], accounts: Mapping[str, ResolvedAccount]
    ) -> list[str]:
        """Claim ``names`` for the slot and collect those won; returns those won."""
        if not names:
            return []
        won: list[str] = await self.db.call(
            self.store.claim, outcome.slot, self.collector_id, names, self.clock()
        )
        if not won:
            return won
        outcome.claimed.extend(won)
        grant = await self.db.call(self.locks.acquire, won, 0.0)
        try:
            if grant.busy:
                outcome.busy.extend(grant.busy)
                log.warning(
                    "slot %s: skipped %s: already running",
                    _label(outcome.slot),
                    ", ".join(grant.busy),
                )
            chosen = list(grant.held)
            if chosen and self.admit is not None:
                admitted = set(await self.admit(chosen, outcome.slot))
                outcome.held_back.extend(n for n in chosen if n not in admitted)
                chosen = [n for n in chosen if n in admitted]
            if chosen:
                outcome.runs.append(await self.collect([accounts[n] for n in chosen]))
        finally:
            await self.db.call(grant.release)
        return won


def _label(slot: datetime) -> str:
    return slot.strftime("%Y-%m-%d %H:%M:%S")


def snapshot_runner(
    settings: Settings,
    storage: Storage,
    exchange_for: Callable[[int], AbstractAsyncContextManager[Exchange]],
    *,
    clock: Clock,
) -> CollectAccounts:
    """The one place the schedule starts a snapshot run (``services.collect.job.snapshot_job``).

    ``exchange_for(n)`` opens the connections for a run of ``n`` accounts; it must share one
    weight limiter for the life of the process, because Binance's limits are per IP and per
    minute, not per run.
    """
    from binfolio.services.collect.job import snapshot_job

    async def collect(accounts: list[ResolvedAccount]) -> RunResult:
        async with exchange_for(len(accounts)) as exchange:
            return await snapshot_job(settings, accounts, storage, exchange, clock=clock)

    return collect
