"""Run locks on SQLite (lock files) and PostgreSQL (advisory locks), across threads and
processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from sqlalchemy import Engine

from binfolio.adapters.storage.locks import (
    AdvisoryLocks,
    FileLocks,
    ThreadLocks,
    acquire_accounts,
    lock_key,
    run_locks_for,
)

SCRIPT = Path(__file__).with_name("hold_lock.py")
ROOT = Path(__file__).parents[2]


def test_the_database_chooses_the_kind_of_lock(engine: Engine, tmp_path: Path) -> None:
    from binfolio.adapters.storage.database import make_engine

    in_memory = make_engine("sqlite://")
    locks, memory = run_locks_for(engine), run_locks_for(in_memory)

    expected = AdvisoryLocks if engine.dialect.name == "postgresql" else FileLocks
    assert isinstance(locks, expected)
    assert isinstance(memory, ThreadLocks)
    locks.close()
    in_memory.dispose()


def test_a_second_process_finds_the_account_busy_until_the_first_releases(engine: Engine) -> None:
    first, second = run_locks_for(engine), run_locks_for(engine)  # as two processes would
    try:
        with (
            acquire_accounts(first, ["main", "side"], 0) as held,
            acquire_accounts(second, ["main", "other"], 0) as contested,
        ):
            assert held.held == ["main", "side"]
            assert contested.held == ["other"]
            assert contested.busy == ["main"]
        with acquire_accounts(second, ["main"], 0) as later:
            assert later.held == ["main"]
    finally:
        first.close()
        second.close()


def test_a_waiter_gets_the_lock_when_the_holder_releases_within_the_wait(engine: Engine) -> None:
    holder, waiter = run_locks_for(engine), run_locks_for(engine)
    grant = holder.acquire(["main"], 0)
    # Released from another thread than the one that took it, as `serve` does.
    releaser = threading.Timer(0.4, grant.release)
    releaser.start()
    started = time.monotonic()
    try:
        with acquire_accounts(waiter, ["main"], 5) as waited:
            elapsed = time.monotonic() - started
            assert waited.held == ["main"]
            assert 0.3 < elapsed < 3
        with (
            acquire_accounts(waiter, ["main"], 0.3) as again,
            acquire_accounts(holder, ["main"], 0.3) as loser,
        ):
            assert again.held == ["main"]
            assert loser.busy == ["main"]
    finally:
        releaser.join()
        holder.close()
        waiter.close()


def test_a_killed_holder_leaves_no_lock_behind(db_url: str, engine: Engine) -> None:
    locks = run_locks_for(engine)
    with subprocess.Popen(
        [sys.executable, str(SCRIPT), db_url, "main"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    ) as holder:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "HELD"
        with acquire_accounts(locks, ["main"], 0) as while_alive:
            assert while_alive.busy == ["main"]
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    try:
        # PostgreSQL notices the closed connection, the kernel the closed file, almost at once.
        with acquire_accounts(locks, ["main"], 5) as after_kill:
            assert after_kill.held == ["main"]
    finally:
        locks.close()


def test_lock_keys_are_stable_signed_64_bit_and_differ_by_schema() -> None:
    key = lock_key("public\x00main")

    assert key == lock_key("public\x00main")
    assert -(2**63) <= key < 2**63
    assert key != lock_key("other\x00main")
