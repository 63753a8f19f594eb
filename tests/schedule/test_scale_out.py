"""Three `binfolio serve --role collector` processes on one PostgreSQL share 30 accounts: each
account once per slot; after `kill -9` of one, the others collect its accounts at the next slot."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from binfolio.adapters.storage.database import make_engine, upgrade
from binfolio.adapters.storage.models import CollectorRow
from binfolio.domain.clock import utc_now
from binfolio.simulator.testing import SimulatorHandle, wait_until
from tests.schedule.conftest import ServeSetup, claims_by_slot, snapshots_by_account, write_setup

NAMES = [f"acct{i:02d}" for i in range(30)]
INTERVAL = timedelta(seconds=10)  # the fastest the withdrawal-history limit allows (see serve test)


@pytest.fixture
def pg_engine(postgres_schema_url: str) -> Iterator[Engine]:
    engine = make_engine(postgres_schema_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def slots_after(engine: Engine, moment: datetime) -> list[datetime]:
    return sorted(slot for slot in claims_by_slot(engine) if slot > moment)


@pytest.mark.slow
@pytest.mark.postgres
def test_three_collectors_share_thirty_accounts_once_per_slot_and_survive_a_kill(
    simulator: SimulatorHandle,
    pg_engine: Engine,
    postgres_schema_url: str,
    tmp_path: Path,
    setups: list[ServeSetup],
) -> None:
    setup = write_setup(
        tmp_path / "w",
        simulator,
        postgres_schema_url,
        NAMES,
        collector={"schedule_cron": '"*/10 * * * * *"'},
    )
    setups.append(setup)
    collectors = [setup.start("serve", "--role", "collector", name=f"c{i}") for i in range(3)]

    def heartbeats() -> dict[int, str]:
        with Session(pg_engine) as session:
            return {r.pid: r.id for r in session.scalars(select(CollectorRow))}

    assert wait_until(lambda: len(heartbeats()) == 3, timeout_s=30), setup.log("c0")
    all_up = utc_now()
    assert wait_until(lambda: len(slots_after(pg_engine, all_up)) >= 3, timeout_s=60)
    victim = collectors[1]
    victim_id = heartbeats()[victim.pid]
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    killed_at = utc_now()
    assert wait_until(lambda: len(slots_after(pg_engine, killed_at)) >= 2, timeout_s=60)
    for survivor in (collectors[0], collectors[2]):
        survivor.send_signal(signal.SIGTERM)
    for i in (0, 2):
        assert collectors[i].wait(30) == 0, setup.log(f"c{i}")

    claims = claims_by_slot(pg_engine)
    collected = Counter(
        (name, _slot_of(taken_at, claims))
        for name, snapshots in snapshots_by_account(pg_engine).items()
        for taken_at, _status in snapshots
    )
    assert max(collected.values()) == 1  # never an account twice in one slot
    kill_slot = max(s for s in claims if s <= killed_at)
    for slot, taken in claims.items():
        names = sorted(name for name, _ in taken)
        assert len(names) == len(set(names))
        if slot != kill_slot:  # accounts the victim had claimed then may miss that one slot
            assert names == NAMES, f"slot {slot}: {len(names)} accounts"
            assert all(collected[(n, slot)] == 1 for n in NAMES), f"slot {slot} not collected"
    shared = [s for s in claims if all_up + INTERVAL < s < kill_slot]
    assert shared, "no slot ran with all three collectors up"
    for slot in shared:  # each live collector did its share
        assert len({collector for _, collector in claims[slot]}) >= 2
    after_kill = [s for s in claims if s > kill_slot]
    assert after_kill
    for slot in after_kill:
        assert victim_id not in {collector for _, collector in claims[slot]}
    assert "took over" in setup.log("c0") + setup.log("c2")


def _slot_of(taken_at: datetime, claims: dict[datetime, list[tuple[str, str]]]) -> datetime:
    """The slot a snapshot belongs to: the latest slot started at or before it."""
    return max(slot for slot in claims if slot <= taken_at)
