"""What the dashboard is told at creation: bind host, token, staleness, live polling, hooks."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from pydantic import SecretStr

from binfolio.config import Settings
from binfolio.domain.clock import Clock, utc_now
from binfolio.services.alerts.options import slot_length

CircuitStates = Callable[[], Mapping[str, str]]
"""Hook for the circuit breaker: account name → state (``"open"``, ``"closed"``).

Called from a worker thread on every overview and account page. An account it does not name
(or no hook at all) shows no circuit badge: unknown is not "closed".
"""

PAGE_DEFAULT_RANGE = "30d"


@dataclass(frozen=True)
class DashboardOptions:
    """Settings of one dashboard app (see :func:`options_from_settings`)."""

    host: str = "127.0.0.1"
    token: SecretStr | None = None
    # No complete snapshot for longer than this: the account gets the "stale" badge.
    stale_after: timedelta = timedelta(hours=2)
    poll_interval_s: float = 2.0
    page_range: str = PAGE_DEFAULT_RANGE
    circuit_states: CircuitStates | None = None
    clock: Clock = field(default=utc_now)


def options_from_settings(
    settings: Settings, *, circuit_states: CircuitStates | None = None, clock: Clock = utc_now
) -> DashboardOptions:
    """Dashboard options from the ``[dashboard]``, ``[collector]`` and ``[alerts]`` sections.

    An account is stale after ``alerts.stale_after_intervals`` intervals of
    ``collector.schedule_cron``, the rule of the stale alert.
    """
    interval = slot_length(settings.collector.schedule_cron, clock())
    return DashboardOptions(
        host=settings.dashboard.host,
        token=settings.dashboard.token,
        stale_after=interval * settings.alerts.stale_after_intervals,
        poll_interval_s=settings.dashboard.poll_interval_s,
        circuit_states=circuit_states,
        clock=clock,
    )
