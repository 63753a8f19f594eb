"""The circuit breaker of one account (pure; the clock and the schedule's slot are arguments).

Closed, the account is collected every slot. After ``failures_to_open`` failed runs in a row it
opens: the account is paused, so that a revoked key or a deleted account stops costing Binance
weight and log lines every slot. While open, one probe run is let through after 1 slot, then 2,
4, … slots (capped); a probe that succeeds closes the circuit, one that fails doubles the wait.
"Failed" is the account's snapshot status ``failed``; a partial snapshot proves the key works.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum


class CircuitState(StrEnum):
    """Closed: collect. Open: paused, probed now and then."""

    CLOSED = "closed"
    OPEN = "open"


class Transition(StrEnum):
    """A change worth an alert."""

    OPENED = "opened"
    CLOSED = "closed"


@dataclass(frozen=True)
class CircuitPolicy:
    """How many failures open the circuit, the schedule's slot, and the longest probe delay."""

    failures_to_open: int = 5
    slot: timedelta = timedelta(hours=1)
    max_delay_slots: int = 64


@dataclass(frozen=True)
class Circuit:
    """One account's breaker. ``next_probe_at`` is set while open."""

    state: CircuitState = CircuitState.CLOSED
    consecutive_failures: int = 0
    opened_at: datetime | None = None
    next_probe_at: datetime | None = None
    probe_delay_slots: int = 0

    @property
    def is_open(self) -> bool:
        """True while the account is paused."""
        return self.state is CircuitState.OPEN


@dataclass(frozen=True)
class Decision:
    """Whether to collect the account now; when not, until when it is skipped and why."""

    collect: bool
    skip_until: datetime | None = None
    reason: str = ""


def decide(circuit: Circuit, now: datetime, policy: CircuitPolicy) -> Decision:
    """Collect (closed, or a probe is due) or skip until the next probe.

    A probe is due from half a slot before ``next_probe_at``: runs start a little after their
    slot, by a varying amount, and that jitter must never cost a whole slot.
    """
    if not circuit.is_open or circuit.next_probe_at is None:
        return Decision(True)
    if now >= circuit.next_probe_at - policy.slot / 2:
        return Decision(True, reason="probe")
    return Decision(
        False,
        circuit.next_probe_at,
        f"paused after {circuit.consecutive_failures} failed runs in a row; next try "
        f"{circuit.next_probe_at:%Y-%m-%d %H:%M} UTC",
    )


def record(
    circuit: Circuit, failed: bool, run_started_at: datetime, policy: CircuitPolicy
) -> tuple[Circuit, Transition | None]:
    """The breaker after one run of the account, and the transition it made (if any).

    Delays count from the run's start, which sits on its slot, not from when it ended.
    """
    if not failed:
        closed = Circuit()
        return closed, Transition.CLOSED if circuit.is_open else None
    failures = circuit.consecutive_failures + 1
    if circuit.is_open:
        delay = min(max(circuit.probe_delay_slots, 1) * 2, policy.max_delay_slots)
        probed = replace(
            circuit,
            consecutive_failures=failures,
            probe_delay_slots=delay,
            next_probe_at=run_started_at + policy.slot * delay,
        )
        return probed, None
    if failures >= policy.failures_to_open:
        opened = Circuit(
            CircuitState.OPEN,
            failures,
            opened_at=run_started_at,
            next_probe_at=run_started_at + policy.slot,
            probe_delay_slots=1,
        )
        return opened, Transition.OPENED
    return replace(circuit, consecutive_failures=failures), None
