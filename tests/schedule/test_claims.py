"""Slot claims, heartbeats, retention and the slot runner's shares, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import make_session_factory
from binfolio.adapters.storage.locks import run_locks_for
from binfolio.adapters.storage.models import AccountRow, LogRow, RunRow, SlotClaimRow, SnapshotRow
from binfolio.adapters.storage.runner import DbRunner
from binfolio.adapters.storage.schedule_repo import ScheduleRepo
from binfolio.config import BenchmarkSettings
from binfolio.services.accounts.registry import ResolvedAccount
from binfolio.services.collect.results import RunResult
from binfolio.services.schedule.housekeeping import Retention
from binfolio.services.schedule.ports import CollectorBeat
from binfolio.services.schedule.run import SlotRunner

SLOT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
NOW = SLOT + timedelta(seconds=1)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def db() -> Iterator[DbRunner]:
    runner = DbRunner(4)
    yield runner
    runner.close()


def beat(collector_id: str, seen_at: datetime) -> CollectorBeat:
    return CollectorBeat(collector_id, "host", 1, "0 * * * *", seen_at, seen_at, None, None)


def account(name: str) -> ResolvedAccount:
    return ResolvedAccount(name, SecretStr("k"), SecretStr("s"), frozenset(), BenchmarkSettings())


def test_competing_collectors_each_win_an_account_once(factory: sessionmaker[Session]) -> None:
    repo = ScheduleRepo(factory)
    names = [f"acc{i:02d}" for i in range(20)]
    won: dict[str, list[str]] = {}

    def claim(collector: str) -> None:
        won[collector] = repo.claim(SLOT, collector, names, NOW)

    threads = [threading.Thread(target=claim, args=(c,)) for c in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    together = sorted(n for names_won in won.values() for n in names_won)
    assert together == names  # every account once, whoever won it
    assert repo.unclaimed(SLOT, names) == []
    assert repo.unclaimed(SLOT + timedelta(hours=1), names[:2]) == names[:2]
    assert repo.claim(SLOT, "late", names, NOW) == []


def test_heartbeats_show_live_collectors_and_a_clean_stop_forgets_one(
    factory: sessionmaker[Session],
) -> None:
    repo = ScheduleRepo(factory)
    repo.beat(beat("old", NOW - timedelta(minutes=5)))
    repo.beat(beat("a", NOW - timedelta(minutes=5)))
    repo.beat(beat("a", NOW))  # the second beat updates the row
    repo.beat(beat("b", NOW))

    assert [c.collector_id for c in repo.live_collectors(NOW - timedelta(seconds=45))] == ["a", "b"]
    repo.forget_collector("a")
    assert [c.collector_id for c in repo.live_collectors(NOW - timedelta(seconds=45))] == ["b"]


async def test_retention_deletes_old_logs_claims_and_silent_collectors(
    factory: sessionmaker[Session], db: DbRunner
) -> None:
    repo = ScheduleRepo(factory)
    old, recent = NOW - timedelta(days=31), NOW - timedelta(days=29)
    with factory.begin() as session:
        for created_at in (old, recent):
            session.add(LogRow(created_at=created_at, level="INFO", logger="binfolio", message="m"))
    repo.claim(old, "a", ["main"], old)
    repo.claim(recent, "a", ["main"], recent)
    repo.beat(beat("gone", NOW - timedelta(days=2)))
    repo.beat(beat("here", NOW))

    await Retention(repo, db, retention_days=30, clock=lambda: NOW)()

    with factory() as session:
        assert session.scalars(select(LogRow.created_at)).all() == [recent]
        assert session.scalars(select(SlotClaimRow.slot_start)).all() == [recent]
    assert [c.collector_id for c in repo.live_collectors(NOW - timedelta(days=30))] == ["here"]


def test_last_complete_ignores_partial_snapshots_and_circuits_are_read_by_name(
    factory: sessionmaker[Session],
) -> None:
    repo = ScheduleRepo(factory)
    with factory.begin() as session:
        main = AccountRow(name="main", created_at=NOW)
        session.add_all([main, AccountRow(name="never", created_at=NOW)])
        session.add(RunRow(id="r1", kind="snapshot", status="partial", started_at=NOW))
        session.flush()
        session.add(RunRow(id="r2", kind="snapshot", status="partial", started_at=NOW))
        session.add(SnapshotRow(run_id="r1", account_id=main.id, taken_at=NOW, status="complete"))
        later = NOW + timedelta(minutes=10)
        session.add(SnapshotRow(run_id="r2", account_id=main.id, taken_at=later, status="partial"))

    found = repo.last_complete(["main", "never"])

    assert found == {"main": NOW, "never": None}
    assert repo.circuit_states() == {}


class FakeCollect:
    """Stands in for Binance and the snapshot run: records which accounts each run got."""

    def __init__(self) -> None:
        self.runs: list[list[str]] = []

    async def __call__(self, accounts: list[ResolvedAccount]) -> RunResult:
        self.runs.append([a.name for a in accounts])
        await asyncio.sleep(0.01)
        return RunResult(
            run_id=str(len(self.runs)),
            started_at=SLOT,
            finished_at=SLOT,
            status="complete",
            accounts=(),
            requests=0,
            weight=0,
            price_requests=1,
        )


def runner(collector_id: str, engine: Engine, db: DbRunner, collect: FakeCollect) -> SlotRunner:
    repo = ScheduleRepo(make_session_factory(engine))
    return SlotRunner(collector_id, repo, run_locks_for(engine), db, collect, lambda: NOW)


async def test_two_live_collectors_split_the_accounts_and_a_dead_ones_share_is_swept(
    engine: Engine, db: DbRunner, factory: sessionmaker[Session]
) -> None:
    repo = ScheduleRepo(factory)
    for collector in ("a", "b", "c"):  # c beat a moment ago, then died
        repo.beat(beat(collector, NOW))
    accounts = {f"acc{i}": account(f"acc{i}") for i in range(9)}
    work_a, work_b = FakeCollect(), FakeCollect()

    outcome_a, outcome_b = await asyncio.gather(
        runner("a", engine, db, work_a).run_slot(SLOT, accounts),
        runner("b", engine, db, work_b).run_slot(SLOT, accounts),
    )

    collected = [n for run in work_a.runs + work_b.runs for n in run]
    assert sorted(collected) == sorted(accounts)  # all nine, each once
    assert work_a.runs[0] == ["acc0", "acc3", "acc6"]  # a's home share (rank 0 of 3)
    assert work_b.runs[0] == ["acc1", "acc4", "acc7"]
    assert sorted(outcome_a.claimed + outcome_b.claimed) == sorted(accounts)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(SlotClaimRow)) == 9


async def test_an_account_whose_lock_is_held_elsewhere_is_skipped_and_admit_can_hold_one_back(
    engine: Engine, db: DbRunner
) -> None:
    other_process = run_locks_for(engine)
    grant = other_process.acquire(["busy"], 0)
    work = FakeCollect()
    slot_runner = runner("a", engine, db, work)

    async def admit(names: list[str], slot: datetime) -> list[str]:
        return [n for n in names if n != "paused"]

    slot_runner.admit = admit
    try:
        outcome = await slot_runner.run_slot(
            SLOT, {n: account(n) for n in ("busy", "free", "paused")}
        )
    finally:
        grant.release()
        other_process.close()

    assert work.runs == [["free"]]
    assert outcome.busy == ["busy"]
    assert outcome.held_back == ["paused"]
    assert sorted(outcome.claimed) == ["busy", "free", "paused"]
