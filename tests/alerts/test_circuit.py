"""The circuit breaker of one account (pure, clock injected as arguments)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from binfolio.domain.circuit import (
    Circuit,
    CircuitPolicy,
    CircuitState,
    Transition,
    decide,
    record,
)

SLOT = timedelta(hours=1)
POLICY = CircuitPolicy(failures_to_open=5, slot=SLOT, max_delay_slots=8)
T0 = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)


def fail_n(n: int, circuit: Circuit | None = None) -> tuple[Circuit, list[Transition | None]]:
    circuit = circuit or Circuit()
    transitions = []
    for i in range(n):
        circuit, transition = record(circuit, True, T0 + i * SLOT, POLICY)
        transitions.append(transition)
    return circuit, transitions


def test_opens_at_the_fifth_failure_in_a_row() -> None:
    circuit, transitions = fail_n(5)

    assert transitions == [None, None, None, None, Transition.OPENED]
    assert circuit.state is CircuitState.OPEN
    assert circuit.opened_at == T0 + 4 * SLOT
    assert circuit.next_probe_at == T0 + 5 * SLOT


def test_a_success_resets_the_count() -> None:
    circuit, _ = fail_n(4)
    circuit, transition = record(circuit, False, T0 + 4 * SLOT, POLICY)
    circuit, transitions = fail_n(4, circuit)

    assert transition is None
    assert transitions == [None] * 4
    assert circuit.state is CircuitState.CLOSED
    assert circuit.consecutive_failures == 4


def test_while_open_the_slots_between_probes_double_up_to_the_cap() -> None:
    circuit, _ = fail_n(5)
    started = T0 + 4 * SLOT
    waits = []
    for _ in range(6):
        probe_at = circuit.next_probe_at
        assert probe_at is not None
        waits.append((probe_at - started) // SLOT)
        started = probe_at
        circuit, transition = record(circuit, True, started, POLICY)
        assert transition is None
    assert waits == [1, 2, 4, 8, 8, 8]


def test_open_skips_until_the_probe_and_a_probe_a_little_early_still_runs() -> None:
    circuit, _ = fail_n(5)  # opened at T0+4h, probe due at T0+5h
    skipped = decide(circuit, T0 + 4 * SLOT + timedelta(minutes=1), POLICY)
    jitter = decide(circuit, T0 + 5 * SLOT - timedelta(seconds=3), POLICY)

    assert not skipped.collect
    assert skipped.skip_until == T0 + 5 * SLOT
    assert "paused after 5 failed runs" in skipped.reason
    assert jitter.collect


def test_a_successful_probe_closes_the_circuit() -> None:
    circuit, _ = fail_n(6)
    circuit, transition = record(circuit, False, T0 + 7 * SLOT, POLICY)

    assert transition is Transition.CLOSED
    assert circuit == Circuit()
    assert decide(circuit, T0 + 7 * SLOT, POLICY).collect
