"""Snapshot run benchmark: N = 1, 10, 100 accounts against the simulator, 50 ms per request.

    .venv/bin/python benchmarks/snapshot.py            # everything (about 2 minutes: the
                                                       # Earn-on run must wait for a new minute)
    .venv/bin/python benchmarks/snapshot.py --quick    # skip the Earn-on run
    .venv/bin/python benchmarks/snapshot.py --quick --url postgresql://…  # runs write there

The simulator runs in this process (a uvicorn thread); every run of the collector runs in a
child process of its own, so its wall time and peak memory are the collector's alone. Requests,
weight, 429s and price requests are counted from the simulator's request log. Before each run
the simulator's weight counters are reset, so that runs do not share a minute's budget. Each
Earn-off size runs ``--repeat`` times and reports the median. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BALANCES = {
    "spot": {"USDT": "1500", "BTC": "0.25", "ETH": "3", "BNB": "4", "ARDR": "5000"},
    "funding": {"USDT": "200", "ETH": "0.1"},
    "earn_flexible": {"USDT": "300", "BTC": "0.01"},
    "earn_locked": {"BNB": "2", "ETH": "0.5"},
    "futures": {"USDT": "1000", "BNB": "1"},
}


def worker(args: argparse.Namespace) -> None:
    """Child process: one collect() run; prints its figures as JSON."""
    from pydantic import SecretStr

    from binfolio.adapters.storage.database import make_engine, make_session_factory, upgrade
    from binfolio.services.collect.run import AccountTarget, CollectOptions, Endpoints, collect

    accounts = json.loads(Path(args.accounts).read_text())[: args.n]
    wallets = frozenset(args.wallets.split(","))
    targets = [
        AccountTarget(a["name"], SecretStr(a["api_key"]), SecretStr(a["api_secret"]), wallets)
        for a in accounts
    ]
    engine = make_engine(args.url or f"sqlite:///{args.db}")
    upgrade(engine)
    options = CollectOptions(deadline_s=args.deadline, concurrency=args.concurrency)
    started = time.perf_counter()
    result = asyncio.run(
        collect(
            targets,
            endpoints=Endpoints(args.base_url, args.base_url),
            session_factory=make_session_factory(engine),
            options=options,
        )
    )
    wall_s = time.perf_counter() - started
    statuses = Counter(a.status.value for a in result.accounts)
    print(
        json.dumps(
            {
                "wall_s": wall_s,
                "status": result.status,
                "statuses": dict(statuses),
                "requests": result.requests,
                "weight": result.weight,
                "limiter_waits": result.limiter_waits,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "errors": [e for a in result.accounts for e in a.errors][:3],
            }
        )
    )


def _run_worker(
    base_url: str, accounts_file: Path, n: int, wallets: str, deadline: float, url: str | None
) -> Any:
    with tempfile.TemporaryDirectory() as tmp:
        command = [
            sys.executable,
            __file__,
            "--worker",
            "--base-url",
            base_url,
            "--accounts",
            str(accounts_file),
            "--n",
            str(n),
            "--wallets",
            wallets,
            "--db",
            str(Path(tmp) / "bench.db"),
            "--deadline",
            str(deadline),
            *(["--url", url] if url else []),
        ]
        out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
        return json.loads(out.stdout.strip().splitlines()[-1])


def _log_figures(sim: Any, n: int) -> dict[str, Any]:
    log = sim.requests_log()
    per_path = Counter(e["path"] for e in log if e["account"])
    account_ip_weight = sum(
        e["weight"] for e in log if e["account"] and "withdraw/history" not in e["path"]
    )
    return {
        "sim_requests": len(log),
        "price_requests": sum(1 for e in log if e["path"] == "/api/v3/ticker/price"),
        "status_429": sum(1 for e in log if e["status"] == 429),
        "status_418": sum(1 for e in log if e["status"] == 418),
        "requests_per_account": round(sum(per_path.values()) / n, 2),
        "ip_weight_per_account": round(account_ip_weight / n, 1),
        "per_path_per_account": {p: c / n for p, c in sorted(per_path.items())},
    }


# A fixed piece of pure-Python work timed beside every CLI run: this VM's vCPUs run at two
# speeds, for seconds to minutes at a time, ~1.5x apart, and every figure moves with them.
REFERENCE = "total = 0\nfor i in range(1_000_000):\n    total += i * i"


def _cli_run(sim: Any, creds: Any, repeat: int) -> list[tuple[float, float]]:
    """`binfolio snapshot --json` of one account as a whole process.

    Returns:
        (wall seconds of the run, wall seconds of the reference work just before), sorted.
    """
    from installed import compile_package_bytecode

    compile_package_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "BINFOLIO_DATA_DIR": tmp,
            "BINANCE_API_KEY": creds.api_key,
            "BINANCE_API_SECRET": creds.api_secret,
            "BINFOLIO_BINANCE__BASE_URL": sim.base_url,
            "BINFOLIO_BINANCE__FUTURES_BASE_URL": sim.base_url,
            "BINFOLIO_LOGGING__LEVEL": "WARNING",
        }
        binfolio_cmd = [sys.executable, "-m", "binfolio"]
        subprocess.run([*binfolio_cmd, "init"], env=env, cwd=tmp, capture_output=True, check=True)
        snapshot = [*binfolio_cmd, "snapshot", "--json"]
        subprocess.run(snapshot, env=env, cwd=tmp, capture_output=True, check=True)  # warm-up
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", REFERENCE], check=True)
            reference_s = time.perf_counter() - started
            # Each run reads the withdrawal history (18,000 of the 180,000 UID weight a minute
            # allows): without fresh counters the 11th run in a minute rightly waits for the next.
            sim.set_limits()
            started = time.perf_counter()
            done = subprocess.run(snapshot, env=env, cwd=tmp, capture_output=True, check=False)
            runs.append((time.perf_counter() - started, reference_s))
            assert done.returncode == 0, done.stderr
        return sorted(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base-url")
    parser.add_argument("--accounts")
    parser.add_argument("--n", type=int, default=1)
    parser.add_argument("--wallets", default="spot,funding,futures")
    parser.add_argument("--db")
    parser.add_argument(
        "--url", help="database of the collector runs (default: a fresh SQLite file per run)"
    )
    parser.add_argument("--deadline", type=float, default=60.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--quick", action="store_true", help="skip the Earn-on run")
    parser.add_argument("--repeat", type=int, default=5, help="runs per Earn-off size")
    parser.add_argument("--cli-repeat", type=int, default=15, help="runs of the one-account CLI")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return

    from binfolio.simulator.testing import running_simulator

    results: dict[str, Any] = {}
    with running_simulator(speed=0) as sim, tempfile.TemporaryDirectory() as tmp:
        accounts = [sim.create_account(f"bench{i:03d}", balances=BALANCES) for i in range(100)]
        accounts_file = Path(tmp) / "accounts.json"
        accounts_file.write_text(json.dumps([a.__dict__ for a in accounts]))

        cli_runs = _cli_run(sim, accounts[0], args.cli_repeat)
        results["cli_1_account_no_latency_s"] = round(statistics.median(w for w, _ in cli_runs), 3)
        results["cli_1_account_runs_s"] = [(round(w, 3), round(r, 3)) for w, r in cli_runs]
        print("cli_1_account (wall, reference)", results["cli_1_account_runs_s"], flush=True)
        sim.set_faults(latency_ms=50)  # every request, every path
        runs = [(n, "spot,funding,futures", 60.0, args.repeat) for n in (1, 10, 100)]
        if not args.quick:
            runs.append((100, "spot,funding,earn,futures", 180.0, 1))
        for n, wallets, deadline, repeat in runs:
            label = f"n{n}_{'earn_on' if 'earn' in wallets else 'earn_off'}"
            attempts = []
            for _ in range(repeat):
                sim.set_limits()  # fresh weight counters: this run has the minute to itself
                sim.clear_requests_log()
                figures = _run_worker(sim.base_url, accounts_file, n, wallets, deadline, args.url)
                attempts.append(figures | _log_figures(sim, n))
            attempts.sort(key=lambda f: f["wall_s"])
            median = attempts[len(attempts) // 2]
            median["wall_s_all"] = [round(f["wall_s"], 3) for f in attempts]
            median["status_429"] = sum(f["status_429"] for f in attempts)
            results[label] = median
            print(label, json.dumps(median), flush=True)
    print(json.dumps(results, indent=2))
    missed = _missed_targets(results)
    for problem in missed:
        print("MISSED:", problem)
    if missed:
        sys.exit(1)


def _missed_targets(results: dict[str, Any]) -> list[str]:
    """The issue's targets that this run did not meet."""
    missed = []
    if results["cli_1_account_no_latency_s"] >= 1.0:
        median_s = results["cli_1_account_no_latency_s"]
        missed.append(f"binfolio snapshot (1 account) median {median_s} s")
    big = results["n100_earn_off"]
    if big["wall_s"] >= 1.5:
        missed.append(f"100 accounts, Earn off: {big['wall_s']:.2f} s")
    if big["peak_rss_mb"] >= 150:
        missed.append(f"peak memory at N=100: {big['peak_rss_mb']:.0f} MB")
    for label, figures in results.items():
        if isinstance(figures, dict) and (figures["status_429"] or figures["status_418"]):
            missed.append(f"{label}: {figures['status_429']} × 429, {figures['status_418']} × 418")
        if isinstance(figures, dict) and figures["price_requests"] != 1:
            missed.append(f"{label}: {figures['price_requests']} price requests")
    return missed


if __name__ == "__main__":
    main()
