"""Two processes try the same account at once, on SQLite and on PostgreSQL: one run at a time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from binfolio.simulator.testing import SimulatorHandle
from tests.schedule.conftest import ServeSetup, runs, write_setup

# Each run holds the lock for at least this long: Binance (the simulator) answers slowly.
SLOW_MS = 3000


def _race(setup: ServeSetup) -> list[dict[str, Any] | None]:
    """Two `binfolio snapshot --json` processes at once; each one's run, or None if skipped."""
    first = setup.start("snapshot", "--json", name="first")
    second = setup.start("snapshot", "--json", name="second")
    assert first.wait(60) == 0, setup.log("first")
    assert second.wait(60) == 0, setup.log("second")
    outputs = [setup.output(n) for n in ("first", "second")]
    return [json.loads(out) if out.strip() else None for out in outputs]


@pytest.mark.slow
def test_with_no_wait_one_process_runs_and_the_other_skips_already_running(
    simulator: SimulatorHandle,
    db_url: str,
    engine: Engine,
    tmp_path: Path,
    setups: list[ServeSetup],
) -> None:
    setup = write_setup(tmp_path / "w", simulator, db_url, ["main"], collector={"lock_wait_s": "0"})
    setups.append(setup)
    simulator.set_faults(endpoint="/api/v3/account", latency_ms=SLOW_MS)

    outcomes = _race(setup)

    ran = [o for o in outcomes if o is not None]
    assert len(ran) == 1
    assert [a["account"] for a in ran[0]["accounts"]] == ["main"]
    said = setup.log("first") + setup.log("second")
    assert said.count("main: skipped: already running") == 1
    assert [r.id for r in runs(engine)] == [ran[0]["run_id"]]


@pytest.mark.slow
def test_with_a_wait_the_second_process_runs_after_the_first_never_beside_it(
    simulator: SimulatorHandle,
    db_url: str,
    engine: Engine,
    tmp_path: Path,
    setups: list[ServeSetup],
) -> None:
    setup = write_setup(
        tmp_path / "w", simulator, db_url, ["main"], collector={"lock_wait_s": "30"}
    )
    setups.append(setup)
    simulator.set_faults(endpoint="/api/v3/account", latency_ms=SLOW_MS)

    outcomes = _race(setup)

    assert all(o is not None and o["accounts"][0]["status"] == "complete" for o in outcomes)
    first, second = runs(engine)
    assert first.status == second.status == "complete"
    assert first.finished_at is not None
    assert second.started_at >= first.finished_at  # one after the other
