"""After a run: evaluate every alert rule, advance the states, and hand the notices over.

Database work runs in worker threads and sending is a queue put (``adapters/notify.py``), so a
receiver that hangs never delays a run. The serve loop may also start
:meth:`Alerting.evaluate_after_run` as a task and go on with its schedule.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from binfolio.domain import alerts as rules
from binfolio.domain.alerts import RUN_SCOPE, AlertKind, AlertState, Condition
from binfolio.domain.circuit import Circuit
from binfolio.domain.clock import Clock, utc_now
from binfolio.domain.snapshot import SnapshotStatus
from binfolio.services.alerts.notices import Notice, compose
from binfolio.services.alerts.options import AlertOptions, off_loop
from binfolio.services.alerts.ports import (
    AccountFacts,
    AlertStore,
    CircuitStore,
    FactsWanted,
    KeyPermissionsReader,
    Notifier,
)
from binfolio.services.collect.results import AccountResult, RunResult
from binfolio.services.ports import Db

log = logging.getLogger(__name__)

# Key checks in flight at once: they share the IP's request weight with the collector.
KEY_CHECKS_AT_ONCE = 8
_CHECKED_AT = "checked_at"


class Alerting:
    """Alert rules, their states and the notifier, for the runs of one process."""

    def __init__(
        self,
        store: AlertStore,
        circuits: CircuitStore,
        notifier: Notifier,
        options: AlertOptions,
        *,
        permissions: KeyPermissionsReader | None = None,
        clock: Clock = utc_now,
        db: Db | None = None,
    ) -> None:
        self.store, self.circuits, self.notifier = store, circuits, notifier
        self.options, self.permissions, self.clock, self.db = options, permissions, clock, db

    async def evaluate_after_run(
        self, run: RunResult | None, *, skipped: Collection[str] = ()
    ) -> list[Notice]:
        """Evaluate the run's accounts (and those the circuit breaker skipped); send notices.

        ``run`` is None for a slot whose every account was skipped. Never raises: alerts must
        not fail the run they are about; what went wrong is logged.
        """
        try:
            return await self._evaluate(run, skipped)
        except Exception:  # any failure of the alerts themselves is logged, the run stands
            log.exception("alerts after run %s not evaluated", run.run_id[:8] if run else "-")
            return []

    async def run_crashed(self, reason: str) -> list[Notice]:
        """A whole run failed before it had accounts (the database, a bug): alert once.

        Never raises. The next run that gets as far as its accounts clears the condition.
        """
        if AlertKind.RUN_FAILED not in self.options.enabled:
            return []
        condition = Condition(RUN_SCOPE, AlertKind.RUN_FAILED, True, reason)
        try:
            steps = await off_loop(self.db, self.store.advance, [condition], self.clock())
        except Exception:  # the database may be what crashed the run; say so once in the log
            log.exception("alert state not stored; sending anyway")
            steps = [rules.advance(None, condition, self.clock())]
        return self._send(compose(steps, self.options.enabled))

    async def _evaluate(self, run: RunResult | None, skipped: Collection[str]) -> list[Notice]:
        now = self.clock()
        accounts = run.accounts if run is not None else ()
        results = {a.account: a for a in accounts}
        names = list(results) + [name for name in skipped if name not in results]
        enabled = self.options.enabled
        states = await off_loop(self.db, self.store.states, [*names, RUN_SCOPE])
        facts = await off_loop(
            self.db,
            self.store.facts,
            names,
            {a.account: a.snapshot_id for a in accounts if a.snapshot_id is not None},
            now,
            self._wanted(now),
        )
        circuits: dict[str, Circuit] = {}
        if enabled & {AlertKind.CIRCUIT_OPEN, AlertKind.CIRCUIT_CLOSED}:
            circuits = await off_loop(self.db, self.circuits.circuits, names)
        keys = await self._read_keys(results, states, now)
        conditions: list[Condition] = []
        for name in names:
            conditions += self._conditions(name, results.get(name), facts.get(name), now)
            if name in circuits:
                circuit = circuits[name]
                detail = (
                    f"{circuit.consecutive_failures} failed runs in a row; next try "
                    f"{circuit.next_probe_at:%Y-%m-%d %H:%M} UTC"
                    if circuit.is_open and circuit.next_probe_at is not None
                    else "collecting again: the last run succeeded"
                )
                conditions.append(rules.circuit_open(name, circuit.is_open, detail))
            if name in keys:
                previous = states.get((name, AlertKind.KEY_PERMISSIONS))
                baseline = previous.observed if previous is not None else None
                condition = rules.key_permissions(name, keys[name], baseline)
                observed = {**(condition.observed or {}), _CHECKED_AT: now.isoformat()}
                conditions.append(
                    Condition(name, condition.kind, condition.holds, condition.detail, observed)
                )
        run_scope = states.get((RUN_SCOPE, AlertKind.RUN_FAILED))
        if accounts and run_scope is not None and run_scope.active:
            conditions.append(Condition(RUN_SCOPE, AlertKind.RUN_FAILED, False, "runs again"))
        steps = await off_loop(self.db, self.store.advance, conditions, now)
        return self._send(compose(steps, enabled))

    def _wanted(self, now: datetime) -> FactsWanted:
        enabled, options = self.options.enabled, self.options
        return FactsWanted(
            nav_move=AlertKind.NAV_CHANGE in enabled,
            drawdown_since=(
                now - timedelta(days=options.drawdown_days)
                if AlertKind.DRAWDOWN in enabled
                else None
            ),
            trail_since=(
                now - timedelta(days=options.thresholds.trail_days)
                if AlertKind.TRAILING_BENCHMARK in enabled
                else None
            ),
        )

    def _conditions(
        self, name: str, result: AccountResult | None, facts: AccountFacts | None, now: datetime
    ) -> list[Condition]:
        """The rules of one account that can be told from the run and the stored figures."""
        enabled, limits = self.options.enabled, self.options.thresholds
        found: list[Condition | None] = []
        if result is not None:
            if AlertKind.RUN_FAILED in enabled:
                found.append(rules.run_failed(name, result.status.value, result.errors))
            if AlertKind.UNPRICED in enabled and result.status is not SnapshotStatus.FAILED:
                found.append(rules.unpriced(name, result.unpriced))
        if facts is not None:
            if AlertKind.NAV_CHANGE in enabled:
                found.append(rules.nav_change(name, facts.nav_move, limits.nav_change_pct))
            if AlertKind.DRAWDOWN in enabled:
                found.append(rules.drawdown(name, facts.drawdown_returns, limits.drawdown_pct))
            if AlertKind.TRAILING_BENCHMARK in enabled:
                found.append(
                    rules.trailing_benchmark(
                        name,
                        facts.twr,
                        facts.benchmark_twr,
                        limits.trail_benchmark_pct,
                        limits.trail_days,
                    )
                )
            if AlertKind.STALE in enabled:
                found.append(
                    rules.stale(
                        name, facts.last_complete_at, facts.known_since, now, limits.stale_after
                    )
                )
        return [condition for condition in found if condition is not None]

    async def _read_keys(
        self,
        results: Mapping[str, AccountResult],
        states: Mapping[tuple[str, AlertKind], AlertState],
        now: datetime,
    ) -> dict[str, Mapping[str, object]]:
        """The switches of each key due for a check (its snapshot did not fail)."""
        reader = self.permissions
        if reader is None or AlertKind.KEY_PERMISSIONS not in self.options.enabled:
            return {}
        due = [
            name
            for name, result in results.items()
            if result.status is not SnapshotStatus.FAILED
            and _key_check_due(states.get((name, AlertKind.KEY_PERMISSIONS)), now, self.options)
        ]
        gate = asyncio.Semaphore(KEY_CHECKS_AT_ONCE)

        async def read(name: str) -> Mapping[str, object] | None:
            async with gate:
                return await reader.restrictions(name)

        flags = await asyncio.gather(*(read(name) for name in due))
        return {name: found for name, found in zip(due, flags, strict=True) if found is not None}

    def _send(self, notices: list[Notice]) -> list[Notice]:
        for notice in notices:
            queued = self.notifier.send(notice.title, notice.body, notice.severity.value)
            log.info(
                "alert %s for %s%s",
                notice.kind.value,
                ", ".join(notice.accounts),
                "" if queued else " (not queued: no receiver or the queue is full)",
            )
        return notices


def _key_check_due(state: AlertState | None, now: datetime, options: AlertOptions) -> bool:
    checked = state.observed.get(_CHECKED_AT) if state and state.observed else None
    if not isinstance(checked, str):
        return True
    return now - datetime.fromisoformat(checked) >= options.key_check
