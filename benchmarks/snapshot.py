"""`binfolio snapshot --json` as users run it: N accounts, 50 ms added to every request.

    .venv/bin/python benchmarks/snapshot.py                  # everything (~2 min: Earn on waits)
    .venv/bin/python benchmarks/snapshot.py --quick          # Earn off only, no start-up runs
    .venv/bin/python benchmarks/snapshot.py --sizes 1,16 --repeat 3 --json out.json
    .venv/bin/python benchmarks/snapshot.py --url postgresql+psycopg://postgres@127.0.0.1/test

What is measured, exactly:

- The simulator is its own process (``binfolio simulator --port 0 --speed 0``: frozen prices),
  so it never shares an interpreter, GIL or event loop with the process measured. It holds 170
  accounts with spot, funding, Simple Earn (flexible and locked) and USD-M futures balances and
  adds 50 ms to every request (``POST /_sim/faults {"latency_ms": 50}``).
- Each run is the installed console script ``binfolio snapshot --json`` started as a process,
  in a clean environment whose ``binfolio.toml`` sets only the simulator's URLs and the first N
  accounts. Everything else is a default: ledger (deposit and withdrawal history), Binance's
  wallet total for reconciliation, ``collector.concurrency``, ``collector.deadline_s``, logging.
  Earn is switched off per account (``wallets = { earn = false }``) except in the Earn-on run.
- Every run gets a fresh database: a copy of a migrated SQLite file (or, with ``--url``, a
  fresh PostgreSQL schema), so every timed run is a first run, as a new user's is. Migration is
  done before the clock starts. The simulator's weight counters are reset before each run, so
  that runs do not share Binance's minute.
- wall: from starting the process to reaping it (interpreter start-up, imports and exit
  included). CPU and peak RSS: that child's own ``rusage`` (``os.wait4``), not this script's
  nor the simulator's. (Linux counts the parent's RSS, ~55 MB here, into a child's peak until
  it execs; binfolio's peak is above that, and a warning is printed if one is not.) The
  simulator's CPU time over the run is read with psutil.
- requests: from the simulator's request log (``GET /_sim/requests``): per account are the
  requests made with the account's key; shared are the others (server time, prices, klines).
  Also from the command's JSON (its own per-account ``requests``). 429s and 418s: the log.
- Before each run, a fixed piece of pure-Python work (the "reference", a 1,000,000-step loop
  in a fresh interpreter) is timed: the VM's vCPUs run at two speeds, ~1.5x apart, for seconds
  to minutes at a time, and every figure moves with them.
- Earn on: the floor Binance's limit sets. Each Simple Earn position endpoint costs 150 of the
  12,000 IP weight a minute, per endpoint; the limiter admits 90% of a limit in any sliding
  minute. A run that needs E weight on its busiest Earn endpoint must wait (ceil(E / 10,800) - 1)
  whole minutes; that wait is the floor printed beside the measurement.
- Unless ``--quick``: ``binfolio snapshot`` of one account with no latency, 9 runs after a
  warm-up on one database (start-up, imports and exit, mostly).

Targets (issue 9): Earn off, median wall under 1.5 s at N = 100 and under 2.5 s at N = 170;
at most 6 requests per account plus the shared ones; peak RSS under 200 MB; every account
complete; Earn on: every account complete, no 429, wall within 1.2x of the floor.

The package's bytecode is compiled first, as ``pip install`` leaves it. Exits 1 when a target
is missed.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from binfolio.adapters.binance.endpoints import EARN_FLEXIBLE, EARN_LOCKED, POOL_LIMITS_1M
from binfolio.adapters.binance.limiter import WINDOW_S, WeightLimiter
from binfolio.simulator.testing import Credentials, SimulatorHandle, write_accounts_config

BINFOLIO = str(Path(sys.executable).with_name("binfolio"))
BALANCES = {
    "spot": {"USDT": "1500", "BTC": "0.25", "ETH": "3", "BNB": "4", "ARDR": "5000"},
    "funding": {"USDT": "200", "ETH": "0.1"},
    "earn_flexible": {"USDT": "300", "BTC": "0.01"},
    "earn_locked": {"BNB": "2", "ETH": "0.5"},
    "futures": {"USDT": "1000", "BNB": "1"},
}
LATENCY_MS = 50
EARN_PATHS = (EARN_FLEXIBLE.path, EARN_LOCKED.path)
REFERENCE = "total = 0\nfor i in range(1_000_000):\n    total += i * i"

# The targets.
WALL_TARGETS_S = {100: 1.5, 170: 2.5}
MAX_REQUESTS_PER_ACCOUNT = 6
MAX_RSS_MB = 200
EARN_FLOOR_FACTOR = 1.2


# -- processes ------------------------------------------------------------------------------------


@dataclass
class ProcessRun:
    """One child process: its exit, output and its own resource use."""

    returncode: int | None
    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    stdout: str
    stderr: str

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def run_process(command: list[str], env: dict[str, str], cwd: Path, timeout_s: float) -> ProcessRun:
    """Run ``command``; the figures are this child's alone (``wait4`` reaps exactly it)."""
    # Linux starts a child's high-water RSS at its parent's (this script's) until exec: a peak
    # at or under ours is not the child's own, so say so rather than report it.
    parent_mb = psutil.Process().memory_info().rss / 2**20
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err)
        killed = threading.Event()

        def kill() -> None:
            killed.set()
            process.kill()

        killer = threading.Timer(timeout_s, kill)
        killer.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall_s = time.perf_counter() - started
        killer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        if usage.ru_maxrss / 1024 <= parent_mb:
            print(f"warning: peak RSS of {command[:2]} not measurable under {parent_mb:.0f} MB")
        return ProcessRun(
            None if killed.is_set() else process.returncode,
            wall_s,
            usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss / 1024,  # KiB on Linux
            out.read(),
            err.read(),
        )


def reference_s() -> float:
    """Wall time of the fixed reference work in a fresh interpreter."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", REFERENCE], check=True)
    return time.perf_counter() - started


@contextmanager
def simulator_process() -> Iterator[tuple[SimulatorHandle, psutil.Process]]:
    """``binfolio simulator`` as its own process, and a handle on its admin API."""
    process = subprocess.Popen(
        [BINFOLIO, "simulator", "--port", "0", "--speed", "0"], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    url = ""
    for line in process.stdout:
        match = re.match(r"base URL:\s+(\S+)", line)
        if match:
            url = match[1]
            break
    # Keep reading its output so that the server never blocks on a full pipe.
    threading.Thread(target=process.stdout.read, daemon=True).start()
    handle = SimulatorHandle(url, None)
    try:
        yield handle, psutil.Process(process.pid)
    finally:
        handle.close()
        process.terminate()
        process.wait(timeout=10)


# -- a run of the command -------------------------------------------------------------------------


def clean_env(data_dir: Path) -> dict[str, str]:
    """This environment without any binfolio, Binance or database setting."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BINFOLIO_", "BINANCE_", "GOOGLE_")) and k != "DATABASE_URL"
    }
    return env | {"BINFOLIO_DATA_DIR": str(data_dir)}


class Databases:
    """A fresh, migrated database for every run: a copied SQLite file or a new schema."""

    def __init__(self, tmp: Path, url: str | None) -> None:
        from binfolio.adapters.storage.database import make_engine, upgrade

        self._tmp, self._url, self._count = tmp, url, 0
        self._make_engine, self._upgrade = make_engine, upgrade
        if url is None:
            self._template = tmp / "template.db"
            self._migrate(f"sqlite:///{self._template}")

    def _migrate(self, url: str) -> None:
        engine = self._make_engine(url)
        self._upgrade(engine)
        engine.dispose()

    @contextmanager
    def fresh(self) -> Iterator[str]:
        """The URL of a database at head that no run has used."""
        self._count += 1
        if self._url is None:
            path = self._tmp / f"run{self._count}.db"
            shutil.copyfile(self._template, path)
            yield f"sqlite:///{path}"
            path.unlink()
            return
        from sqlalchemy import create_engine, text

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(self._url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in self._url else "?"
        url = f"{self._url}{separator}options=-csearch_path%3D{schema}"
        self._migrate(url)
        try:
            yield url
        finally:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def snapshot_once(
    sim: SimulatorHandle,
    sim_process: psutil.Process,
    env: dict[str, str],
    workdir: Path,
    db_url: str,
    n: int,
    timeout_s: float,
) -> dict[str, Any]:
    """One timed `binfolio snapshot --json` and its figures."""
    reference = reference_s()
    sim.set_limits()  # fresh weight counters: this run has Binance's minute to itself
    sim.clear_requests_log()
    sim_cpu = sum(sim_process.cpu_times()[:2])
    run = run_process(
        [BINFOLIO, "snapshot", "--json"], env | {"DATABASE_URL": db_url}, workdir, timeout_s
    )
    sim_cpu_s = sum(sim_process.cpu_times()[:2]) - sim_cpu
    log = sim.requests_log()
    figures: dict[str, Any] = {
        "wall_s": round(run.wall_s, 3),
        "cpu_s": round(run.cpu_s, 3),
        "peak_rss_mb": round(run.peak_rss_mb, 1),
        "exit": "timeout" if run.timed_out else run.returncode,
        "reference_s": round(reference, 3),
        "simulator_cpu_s": round(sim_cpu_s, 3),
        "requests_per_account": round(sum(1 for e in log if e["account"]) / n, 2),
        "shared_requests": dict(Counter(e["path"] for e in log if not e["account"])),
        "per_path_per_account": {
            p: c / n for p, c in sorted(Counter(e["path"] for e in log if e["account"]).items())
        },
        "status_429": sum(1 for e in log if e["status"] == 429),
        "status_418": sum(1 for e in log if e["status"] == 418),
        "earn_requests": {p: sum(1 for e in log if e["path"] == p) for p in EARN_PATHS},
    }
    try:
        data = json.loads(run.stdout)
    except ValueError:
        data = None
    if data is None:
        figures |= {"complete": 0, "statuses": {}, "stderr_tail": run.stderr[-2000:]}
        return figures
    accounts = data["accounts"]
    figures |= {
        "complete": sum(1 for a in accounts if a["status"] == "complete"),
        "statuses": dict(Counter(a["status"] for a in accounts)),
        "json_requests_per_account": round(sum(a["requests"] for a in accounts) / n, 2),
        "json_run_requests": data["requests"],
        "reconciliation_flagged": sum(
            1 for a in accounts if (a.get("reconciliation") or {}).get("flagged")
        ),
        "errors": [f"{a['account']}: {e}" for a in accounts for e in a["errors"]][:5],
    }
    return figures


def measure(
    sim: SimulatorHandle,
    sim_process: psutil.Process,
    databases: Databases,
    accounts: list[Credentials],
    *,
    earn: bool,
    repeat: int,
    timeout_s: float,
) -> dict[str, Any]:
    """``repeat`` runs with the first ``len(accounts)`` accounts; the median and every run."""
    n = len(accounts)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        env = clean_env(workdir / "data") | write_accounts_config(
            workdir / "binfolio.toml", sim.base_url, accounts, earn=earn
        )
        runs = []
        for _ in range(repeat):
            with databases.fresh() as db_url:
                runs.append(snapshot_once(sim, sim_process, env, workdir, db_url, n, timeout_s))
            print(f"  N={n} earn={'on' if earn else 'off'}: {_brief(runs[-1])}", flush=True)
    walls = sorted(r["wall_s"] for r in runs)
    return {
        "n": n,
        "earn": earn,
        "runs": runs,
        "wall_s_median": statistics.median(walls),
        "wall_s_all": walls,
        "cpu_s_median": statistics.median(r["cpu_s"] for r in runs),
        "all_complete": all(r["complete"] == n and r["exit"] == 0 for r in runs),
        "requests_per_account": max(r["requests_per_account"] for r in runs),
        "shared_requests": max(sum(r["shared_requests"].values()) for r in runs),
        "status_429": sum(r["status_429"] for r in runs),
        "status_418": sum(r["status_418"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "reference_s": [r["reference_s"] for r in runs],
    }


def _brief(run: dict[str, Any]) -> str:
    text = (
        f"wall {run['wall_s']:.2f} s, cpu {run['cpu_s']:.2f} s, exit {run['exit']}, "
        f"{run['statuses']}, {run['requests_per_account']} req/account, "
        f"429s {run['status_429']}, RSS {run['peak_rss_mb']:.0f} MB, "
        f"reference {run['reference_s']:.2f} s"
    )
    problems = run.get("errors") or ([run["stderr_tail"][-300:]] if "stderr_tail" in run else [])
    return text + (f"; e.g. {problems[:2]}" if problems else "")


# -- Earn floor, targets, tables ------------------------------------------------------------------


def earn_floor_s(earn_requests: dict[str, int]) -> tuple[float, int]:
    """Whole minutes the limiter must wait for a run's Earn requests, and that busiest weight."""
    budget_fraction = inspect.signature(WeightLimiter).parameters["budget_fraction"].default
    budget = int(POOL_LIMITS_1M[EARN_FLEXIBLE.pool] * budget_fraction)
    weight = max(count * EARN_FLEXIBLE.weight for count in earn_requests.values())
    return (max(math.ceil(weight / budget), 1) - 1) * WINDOW_S, weight


def check_targets(results: dict[str, Any]) -> list[tuple[str, bool | None, str]]:
    """(target, met or None when not measured, what was seen) for each of the issue's targets."""
    sizes = results["sizes"]
    earn_off = [r for r in sizes if not r["earn"]]
    checks: list[tuple[str, bool | None, str]] = []
    for n, limit in WALL_TARGETS_S.items():
        found = next((r for r in earn_off if r["n"] == n), None)
        seen = "not run" if found is None else f"median {found['wall_s_median']:.2f} s"
        met = None if found is None else found["wall_s_median"] < limit
        checks.append((f"{n} accounts, Earn off: median < {limit} s", met, seen))
    # Counted over complete runs only: a run that stopped early makes fewer requests.
    done = [x for r in earn_off for x in r["runs"] if x["complete"] == r["n"]]
    per_account = max((x["requests_per_account"] for x in done), default=None)
    shared = max((sum(x["shared_requests"].values()) for x in done), default=0)
    checks.append(
        (
            f"Earn off: ≤ {MAX_REQUESTS_PER_ACCOUNT} requests per account plus shared",
            None if per_account is None else per_account <= MAX_REQUESTS_PER_ACCOUNT,
            "no complete run" if per_account is None else f"max {per_account} + {shared} shared",
        )
    )
    if sizes:
        rss = max(r["peak_rss_mb"] for r in sizes)
        checks.append((f"peak RSS < {MAX_RSS_MB} MB", rss < MAX_RSS_MB, f"max {rss:.0f} MB"))
        counts = [
            f"N={r['n']}{' Earn on' if r['earn'] else ''}: "
            + "/".join(str(x["complete"]) for x in r["runs"])
            for r in sizes
        ]
        checks.append(
            (
                "every account complete in every run, exit 0",
                all(r["all_complete"] for r in sizes),
                ", ".join(counts),
            )
        )
    for r in (r for r in sizes if r["earn"]):
        for run in r["runs"]:
            floor_s = run["earn_floor_s"]
            within = not floor_s or run["wall_s"] <= EARN_FLOOR_FACTOR * floor_s
            ratio = f"{run['wall_s'] / floor_s:.2f}×" if floor_s else "no wait needed"
            checks.append(
                (
                    f"Earn on, {r['n']} accounts: all complete, 0 × 429, "
                    f"wall ≤ {EARN_FLOOR_FACTOR} × the floor",
                    run["complete"] == r["n"] and run["status_429"] == 0 and within,
                    f"wall {run['wall_s']:.1f} s, floor {floor_s:.0f} s ({ratio}), "
                    f"{run['status_429']} × 429, {run['complete']}/{r['n']} complete",
                )
            )
    return checks


def print_tables(results: dict[str, Any]) -> None:
    print("\n`binfolio snapshot --json` as a process, 50 ms added to every request")
    print(
        "| run | wall median (all runs) | CPU median | requests / account (+ shared) | "
        "429 / 418 | complete | peak RSS | reference |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in results["sizes"]:
        walls = ", ".join(f"{w:.2f}" for w in r["wall_s_all"])
        floor = ""
        if r["earn"]:
            first = r["runs"][0]
            floor = f"; floor {first['earn_floor_s']:.0f} s (Earn weight {first['earn_weight']})"
        complete = "/".join(str(x["complete"]) for x in r["runs"])
        references = ", ".join(f"{s:.2f}" for s in r["reference_s"])
        print(
            f"| N = {r['n']}, Earn {'on' if r['earn'] else 'off'} | "
            f"{r['wall_s_median']:.2f} s ({walls}){floor} | {r['cpu_s_median']:.2f} s | "
            f"{r['requests_per_account']} (+ {r['shared_requests']}) | "
            f"{r['status_429']} / {r['status_418']} | {complete} of {r['n']} | "
            f"{r['peak_rss_mb']:.0f} MB | {references} s |"
        )
    if results.get("startup"):
        s = results["startup"]
        print(
            f"| `binfolio snapshot`, 1 account, no latency | {s['median_s']:.2f} s "
            f"({', '.join(f'{w:.2f}' for w, _ in s['runs'])}) | | | | | | "
            f"{', '.join(f'{r:.2f}' for _, r in s['runs'])} s |"
        )


# -- main -----------------------------------------------------------------------------------------


def startup_runs(
    sim: SimulatorHandle,
    sim_process: psutil.Process,
    databases: Databases,
    creds: Credentials,
    repeat: int,
) -> dict[str, Any]:
    """`binfolio snapshot` of one account, no latency: start-up and exit, mostly."""
    with tempfile.TemporaryDirectory() as tmp, databases.fresh() as db_url:
        workdir = Path(tmp)
        env = clean_env(workdir / "data") | write_accounts_config(
            workdir / "binfolio.toml", sim.base_url, [creds]
        )
        runs = []
        for i in range(repeat + 1):  # the first is a warm-up
            figures = snapshot_once(sim, sim_process, env, workdir, db_url, 1, 60)
            if i:
                runs.append((figures["wall_s"], figures["reference_s"]))
    return {"median_s": statistics.median(w for w, _ in runs), "runs": sorted(runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="Earn off only; no start-up runs")
    parser.add_argument("--sizes", default="1,16,100,170", help="Earn-off sizes (comma-separated)")
    parser.add_argument("--earn-size", type=int, default=100, help="accounts of the Earn-on run")
    parser.add_argument("--repeat", type=int, default=5, help="runs per Earn-off size")
    parser.add_argument("--earn-repeat", type=int, default=1, help="runs with Earn on")
    parser.add_argument("--startup-repeat", type=int, default=9, help="1-account runs, 0 ms")
    parser.add_argument("--url", help="PostgreSQL URL: a fresh schema per run (default SQLite)")
    parser.add_argument("--json", dest="json_out", help="write every figure to this file")
    args = parser.parse_args()

    from installed import compile_package_bytecode

    compile_package_bytecode()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    earn_size = 0 if args.quick else args.earn_size
    results: dict[str, Any] = {"sizes": [], "latency_ms": LATENCY_MS, "url": args.url or "sqlite"}
    with simulator_process() as (sim, sim_process), tempfile.TemporaryDirectory() as tmp:
        databases = Databases(Path(tmp), args.url)
        count = max([*sizes, earn_size, 1])
        accounts = [sim.create_account(f"bench{i:03d}", balances=BALANCES) for i in range(count)]
        if not args.quick and args.startup_repeat:
            results["startup"] = startup_runs(
                sim, sim_process, databases, accounts[0], args.startup_repeat
            )
        sim.set_faults(latency_ms=LATENCY_MS)  # every request, every path
        for n in sizes:
            results["sizes"].append(
                measure(
                    sim,
                    sim_process,
                    databases,
                    accounts[:n],
                    earn=False,
                    repeat=args.repeat,
                    timeout_s=120,
                )
            )
        if earn_size:
            earn = measure(
                sim,
                sim_process,
                databases,
                accounts[:earn_size],
                earn=True,
                repeat=args.earn_repeat,
                timeout_s=600,
            )
            for run in earn["runs"]:
                run["earn_floor_s"], run["earn_weight"] = earn_floor_s(run["earn_requests"])
            results["sizes"].append(earn)
    print_tables(results)
    checks = check_targets(results)
    results["targets"] = [{"target": t, "met": ok, "seen": seen} for t, ok, seen in checks]
    print()
    for target, ok, seen in checks:
        print(f"{'NOT RUN' if ok is None else 'PASS' if ok else 'MISSED'}: {target} — {seen}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))
    if any(ok is False for _, ok, _ in checks):
        sys.exit(1)


if __name__ == "__main__":
    main()
