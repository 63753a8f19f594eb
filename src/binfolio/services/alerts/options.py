"""The alert and circuit-breaker settings as plain data, and the schedule's slot length."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import ParamSpec, TypeVar

from binfolio.config import Settings
from binfolio.domain.alerts import AlertKind, Thresholds
from binfolio.domain.circuit import CircuitPolicy
from binfolio.services.ports import Db
from binfolio.services.schedule.cron import Schedule

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class AlertOptions:
    """Which kinds are on, their thresholds, and the circuit breaker's policy."""

    enabled: frozenset[AlertKind] = frozenset(AlertKind)
    thresholds: Thresholds = field(default_factory=Thresholds)
    drawdown_days: int = 30
    key_check: timedelta = timedelta(hours=1)
    circuit: CircuitPolicy = field(default_factory=CircuitPolicy)


def slot_length(schedule_cron: str, now: datetime) -> timedelta:
    """The time between the schedule's next two slots after ``now`` (cron in UTC; six fields
    put seconds first, as the serve loop reads them)."""
    schedule = Schedule(schedule_cron)
    first = schedule.next_after(now)
    return schedule.next_after(first) - first


def alert_options(settings: Settings, now: datetime) -> AlertOptions:
    """The options of ``[alerts]``; durations in schedule slots use the slot length at ``now``."""
    alerts = settings.alerts
    slot = slot_length(settings.collector.schedule_cron, now)
    enabled = frozenset(kind for kind in AlertKind if getattr(alerts.kinds, kind.value))
    return AlertOptions(
        enabled=enabled,
        thresholds=Thresholds(
            nav_change_pct=Decimal(alerts.nav_change_pct),
            drawdown_pct=Decimal(alerts.drawdown_pct),
            trail_benchmark_pct=Decimal(alerts.trail_benchmark_pct),
            trail_days=alerts.trail_days,
            stale_after=slot * alerts.stale_after_intervals,
        ),
        drawdown_days=alerts.drawdown_days,
        key_check=timedelta(minutes=alerts.key_check_minutes),
        circuit=CircuitPolicy(
            failures_to_open=alerts.circuit_failures,
            slot=slot,
            max_delay_slots=alerts.circuit_max_delay_slots,
        ),
    )


async def off_loop(db: Db | None, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run a blocking store call in a worker thread (the shared runner when one is given)."""
    if db is not None:
        return await db.call(function, *args, **kwargs)
    return await asyncio.to_thread(function, *args, **kwargs)
