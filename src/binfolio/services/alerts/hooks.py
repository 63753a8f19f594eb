"""The alerts as the serve loop's after-run hook: count the outcomes, then evaluate and send."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from binfolio.services.alerts.breaker import CircuitBreaker
from binfolio.services.alerts.evaluate import Alerting
from binfolio.services.collect.results import RunResult

log = logging.getLogger(__name__)


def after_run_hook(
    breaker: CircuitBreaker | None, alerting: Alerting | None
) -> Callable[[RunResult], Awaitable[None]]:
    """``hook(run)``: the circuit breakers record the run, then the alerts read them.

    The order matters: "circuit open" is alerted from the breaker's state after this run.
    The hook never raises: a database that fails here must not stop the schedule.
    """

    async def hook(run: RunResult) -> None:
        if breaker is not None:
            try:
                await breaker.record_outcomes(run)
            except Exception:  # logged; the alerts below still run on what is stored
                log.exception("circuit breakers not updated after run %s", run.run_id[:8])
        if alerting is not None:
            await alerting.evaluate_after_run(run)

    return hook
