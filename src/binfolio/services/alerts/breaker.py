"""The circuit breakers of a schedule: which accounts to collect this slot, and each run's outcome.

Before a run: :meth:`CircuitBreaker.accounts_to_collect`. After it:
:meth:`CircuitBreaker.record_outcomes`, then ``Alerting.evaluate_after_run``, which reads the
breakers and alerts on "paused" and "collects again" (docs/alerts.md).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from binfolio.domain.circuit import CircuitPolicy, Transition, decide
from binfolio.domain.snapshot import SnapshotStatus
from binfolio.services.alerts.options import off_loop
from binfolio.services.alerts.ports import CircuitStore
from binfolio.services.collect.results import RunResult
from binfolio.services.ports import Db

log = logging.getLogger(__name__)


class CircuitBreaker:
    """Pauses accounts that keep failing and probes them with growing delays."""

    def __init__(self, store: CircuitStore, policy: CircuitPolicy, *, db: Db | None = None) -> None:
        self.store, self.policy, self.db = store, policy, db

    async def accounts_to_collect(
        self, names: Sequence[str], now: datetime
    ) -> tuple[list[str], dict[str, str]]:
        """The accounts to collect now (in the given order), and why each other one waits.

        Raises:
            Exception: whatever the store raises (the database is unreachable, …).
        """
        circuits = await off_loop(self.db, self.store.circuits, names)
        collect: list[str] = []
        skipped: dict[str, str] = {}
        for name in names:
            decision = decide(circuits[name], now, self.policy)
            if decision.collect:
                collect.append(name)
            else:
                skipped[name] = decision.reason
        return collect, skipped

    async def admit(self, names: list[str], now: datetime) -> list[str]:
        """:meth:`accounts_to_collect` as the serve loop's ``admit`` hook: the accounts to
        collect; each one held back is logged with its reason.

        Raises:
            Exception: whatever the store raises.
        """
        collect, skipped = await self.accounts_to_collect(names, now)
        for name, reason in sorted(skipped.items()):
            log.info("account %s skipped: %s", name, reason, extra={"account": name})
        return collect

    async def record_outcomes(self, run: RunResult) -> list[tuple[str, Transition]]:
        """Count each collected account's failure or success; the accounts that opened or closed.

        A run under an IP ban (HTTP 418) counts for no account: the ban is the host's, not the
        key's, and the collector already stops until it ends.

        Raises:
            Exception: whatever the store raises.
        """
        if run.banned or not run.accounts:
            return []
        failed = {a.account: a.status is SnapshotStatus.FAILED for a in run.accounts}
        outcomes = await off_loop(self.db, self.store.record, failed, run.started_at, self.policy)
        transitions = [
            (name, transition)
            for name, (_, transition) in sorted(outcomes.items())
            if transition is not None
        ]
        for name, transition in transitions:
            log.warning("account %s: circuit %s", name, transition.value, extra={"account": name})
        return transitions
