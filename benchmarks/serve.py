"""`binfolio serve` as users run it: 150 accounts (Earn off) on a 1-minute schedule, 10 slots.

    .venv/bin/python benchmarks/serve.py                   # ~12 min: 10 one-minute slots
    .venv/bin/python benchmarks/serve.py --accounts 20 --slots 2 --cron "*/20 * * * * *"
    .venv/bin/python benchmarks/serve.py --url postgresql+psycopg://postgres@127.0.0.1/test

150 accounts a minute is about what one IP may sustain under Binance's limits with the ledger
and reconciliation on (docs/binance.md, 'Limits and pools'). What is measured:

- The simulator is its own process (``binfolio simulator --port 0 --speed 0``), holding the
  accounts (spot, funding and futures balances) and adding 50 ms to every request.
- ``binfolio serve --role collector`` is the installed console script, started once, with
  ``collector.schedule_cron`` = ``* * * * *`` and every other setting at its default (ledger,
  reconciliation, concurrency, deadline). Its database is a fresh migrated SQLite file (or a
  fresh PostgreSQL schema with ``--url``).
- Slots: the runs the schedule starts, after the start-up catch-up run (not counted). A slot is
  complete when every account has a complete snapshot taken in it.
- 429 and 418: the simulator's request log, read and emptied after every slot.
- Scheduler overhead per slot: (1) lateness, from the slot's time to the run record's start —
  waking up, the claim and lock round trips, resolving accounts, opening the pools; (2) the
  serve process's CPU time in the 20 s before a slot, when the previous run and its follow-up
  work ended at least 30 s earlier (heartbeats, log flushes, the sleep loop), sampled every
  0.25 s with psutil (Linux counts CPU time in 10 ms ticks).
- Peak RSS: the serve process's own ``ru_maxrss`` (``os.wait4``) after SIGTERM.

Exits 1 when a slot is incomplete or any 429/418 was answered.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import create_engine, text

from binfolio.adapters.storage.database import make_engine, upgrade
from binfolio.services.schedule.cron import Schedule
from binfolio.simulator.testing import SimulatorHandle

# The script's own folder is on sys.path: the snapshot benchmark's simulator helper is shared.
from snapshot import simulator_process

BINFOLIO = str(Path(sys.executable).with_name("binfolio"))
BALANCES = {
    "spot": {"USDT": "1500", "BTC": "0.25", "ETH": "3", "BNB": "4"},
    "funding": {"USDT": "200"},
    "futures": {"USDT": "1000"},
}
LATENCY_MS = 50
IDLE_WINDOW_S = 20.0


@contextmanager
def database(url: str | None, directory: Path) -> Iterator[str]:
    """A fresh migrated database: a SQLite file, or a new schema on ``url``."""
    if url is None:
        db_url = f"sqlite:///{directory / 'binfolio.db'}"
        engine = make_engine(db_url)
        upgrade(engine)
        engine.dispose()
        yield db_url
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    db_url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    engine = make_engine(db_url)
    upgrade(engine)
    engine.dispose()
    try:
        yield db_url
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def write_setup(workdir: Path, sim: SimulatorHandle, accounts: int, cron: str) -> dict[str, str]:
    """binfolio.toml with the simulator and the accounts; returns the environment to run in."""
    lines = [
        "[binance]",
        f'base_url = "{sim.base_url}"',
        f'futures_base_url = "{sim.base_url}"',
        "[collector]",
        f'schedule_cron = "{cron}"',
    ]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BINFOLIO_", "BINANCE_", "GOOGLE_")) and k != "DATABASE_URL"
    }
    for i in range(accounts):
        creds = sim.create_account(f"acct{i:03d}", balances=BALANCES)
        lines += [
            "[[accounts]]",
            f'name = "{creds.name}"',
            f'api_key_env = "K{i:03d}"',
            f'api_secret_env = "S{i:03d}"',
            "wallets = { earn = false }",
        ]
        env |= {f"K{i:03d}": creds.api_key, f"S{i:03d}": creds.api_secret}
    (workdir / "binfolio.toml").write_text("\n".join(lines) + "\n")
    return env | {"BINFOLIO_DATA_DIR": str(workdir / "data")}


@dataclass
class Sampler:
    """CPU seconds and RSS of one process, every 0.25 s, on a thread."""

    process: psutil.Process
    samples: list[tuple[float, float, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                cpu = self.process.cpu_times()
                rss = self.process.memory_info().rss
            except psutil.Error:
                return
            self.samples.append((time.time(), cpu.user + cpu.system, rss))
            self.stop.wait(0.25)

    def cpu_between(self, start: float, end: float) -> float:
        inside = [s for s in self.samples if start <= s[0] <= end]
        return inside[-1][1] - inside[0][1] if len(inside) >= 2 else 0.0


def read_runs(db_url: str) -> list[dict[str, Any]]:
    engine = make_engine(db_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("select id, started_at, finished_at, status from runs order by started_at")
        ).all()
        complete = dict(
            connection.execute(
                text(
                    "select run_id, count(*) from snapshots where status = 'complete' "
                    "group by run_id"
                )
            ).all()
        )
    engine.dispose()

    def aware(value: Any) -> datetime:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment

    return [
        {
            "id": r[0],
            "started_at": aware(r[1]),
            "finished_at": aware(r[2]) if r[2] is not None else None,
            "status": r[3],
            "complete": int(complete.get(r[0], 0)),
        }
        for r in rows
    ]


def wait_for_run(db_url: str, since: datetime | None, timeout_s: float = 120) -> None:
    """Until the runs started since ``since`` (any, when None) have all finished."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        recent = [r for r in read_runs(db_url) if since is None or r["started_at"] >= since]
        if recent and all(r["finished_at"] is not None for r in recent):
            return
        time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=150)
    parser.add_argument("--slots", type=int, default=10)
    parser.add_argument("--cron", default="* * * * *")
    parser.add_argument("--url", help="PostgreSQL URL (a fresh schema is made and dropped)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    schedule = Schedule(args.cron)
    with (
        tempfile.TemporaryDirectory() as tmp,
        simulator_process() as (sim, _),
        database(args.url, Path(tmp)) as db_url,
    ):
        workdir = Path(tmp)
        env = write_setup(workdir, sim, args.accounts, args.cron) | {"DATABASE_URL": db_url}
        sim.set_faults(latency_ms=LATENCY_MS)
        with (workdir / "serve.err").open("w") as err:
            serve = subprocess.Popen(
                [BINFOLIO, "serve", "--role", "collector"],
                cwd=workdir,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=err,
            )
        sampler = Sampler(psutil.Process(serve.pid))
        threading.Thread(target=sampler.run, daemon=True).start()
        # The start-up catch-up run is not counted: the first slot is the one after it ends.
        wait_for_run(db_url, since=None)
        first = schedule.next_after(datetime.now(UTC))
        slots = [first]
        while len(slots) < args.slots:
            slots.append(schedule.next_after(slots[-1]))
        rejected: dict[str, int] = {}
        end = schedule.next_after(slots[-1])
        print(
            f"serve pid {serve.pid}: {args.accounts} accounts, slots {first:%H:%M:%S} to "
            f"{slots[-1]:%H:%M:%S} UTC",
            flush=True,
        )
        for boundary in [*slots[1:], end]:
            while datetime.now(UTC) < boundary - timedelta(seconds=1):
                time.sleep(0.5)
            for entry in sim.requests_log():
                if entry["status"] in (429, 418):
                    rejected[str(entry["status"])] = rejected.get(str(entry["status"]), 0) + 1
            sim.clear_requests_log()
        wait_for_run(db_url, since=slots[-1])  # the last slot's run ends before SIGTERM
        serve.send_signal(signal.SIGTERM)
        _, status, usage = os.wait4(serve.pid, 0)
        sampler.stop.set()
        exit_code = os.waitstatus_to_exitcode(status)
        runs = read_runs(db_url)
        print((workdir / "serve.err").read_text()[-2000:], file=sys.stderr)
    figures = summarise(runs, slots, schedule, sampler, args.accounts)
    figures |= {
        "accounts": args.accounts,
        "cron": args.cron,
        "database": "postgresql" if args.url else "sqlite",
        "rejected": rejected,
        "exit_code": exit_code,
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_total_s": round(usage.ru_utime + usage.ru_stime, 2),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    ok = figures["incomplete_slots"] == 0 and not rejected and exit_code == 0
    return 0 if ok else 1


def summarise(
    runs: list[dict[str, Any]],
    slots: list[datetime],
    schedule: Schedule,
    sampler: Sampler,
    accounts: int,
) -> dict[str, Any]:
    """Per-slot lateness, run length, completeness and idle CPU."""
    per_slot = []
    for slot in slots:
        following = schedule.next_after(slot)
        inside = [r for r in runs if slot <= r["started_at"] < following]
        complete = sum(r["complete"] for r in inside)
        starts = [r["started_at"] for r in inside]
        ends = [r["finished_at"] for r in inside if r["finished_at"] is not None]
        previous_end = max(
            (r["finished_at"] for r in runs if r["finished_at"] and r["finished_at"] <= slot),
            default=None,
        )
        # The 20 s before the slot, when the previous run (and the benchmark and ledger work
        # after its record closed) ended well before: only the service's own chores run then.
        quiet = previous_end is not None and previous_end < slot - timedelta(seconds=30)
        idle_cpu = (
            sampler.cpu_between(slot.timestamp() - IDLE_WINDOW_S, slot.timestamp() - 0.5)
            if quiet
            else None
        )
        per_slot.append(
            {
                "slot": slot.strftime("%H:%M:%S"),
                "complete": complete,
                "late_ms": round((min(starts) - slot).total_seconds() * 1000, 1)
                if starts
                else None,
                "run_s": round((max(ends) - min(starts)).total_seconds(), 2) if ends else None,
                "idle_cpu_ms_20s": round(idle_cpu * 1000, 1) if idle_cpu is not None else None,
            }
        )
    late = [s["late_ms"] for s in per_slot if s["late_ms"] is not None]
    run_s = [s["run_s"] for s in per_slot if s["run_s"] is not None]
    idle = [s["idle_cpu_ms_20s"] for s in per_slot if s["idle_cpu_ms_20s"] is not None]
    return {
        "slots": per_slot,
        "incomplete_slots": sum(1 for s in per_slot if s["complete"] != accounts),
        "late_ms_median": round(statistics.median(late), 1) if late else None,
        "late_ms_max": max(late) if late else None,
        "run_s_median": round(statistics.median(run_s), 2) if run_s else None,
        "run_s_max": max(run_s) if run_s else None,
        "idle_cpu_ms_20s_median": statistics.median(idle) if idle else None,
        "peak_rss_sampled_mb": round(max(s[2] for s in sampler.samples) / 2**20, 1)
        if sampler.samples
        else None,
    }


if __name__ == "__main__":
    raise SystemExit(main())
