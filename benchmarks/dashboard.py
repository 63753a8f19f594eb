"""Dashboard speed against `binfolio dashboard` running as its own process.

Builds two scratch databases through the storage layer (``tests/web/history.py``):

- five years of hourly complete snapshots of one account (43,800), with a deposit or a
  withdrawal every 30 days and the benchmark rebuilt over them;
- 50 accounts with 90 days of hourly snapshots each (108,000), ending this hour.

Then it starts ``binfolio dashboard`` on each and times, over HTTP on 127.0.0.1:

- ``GET /api/accounts/main/series?range=all`` (43,800 points → at most 1,000), median of 21;
- the overview with 50 accounts: ``GET /`` and ``GET /api/accounts`` at the page's default
  range (30d) and at 7d, median of 11;
- the account page in headless Chromium, from navigation to both charts drawn, with an empty
  browser cache (plotly.js fetched) and with a warm one.

Targets: series < 100 ms, overview < 200 ms, account page < 1.5 s. Exits 1 when one is missed.
``--postgres URL`` runs the two HTTP measurements on PostgreSQL as well (in fresh schemas).

Usage::

    .venv/bin/python benchmarks/dashboard.py [--postgres postgresql://postgres@127.0.0.1/test]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.web.history import HistorySpec, build_history  # noqa: E402

from binfolio.adapters.storage.database import make_engine, upgrade  # noqa: E402

SERIES_TARGET_S = 0.100
OVERVIEW_TARGET_S = 0.200
PAGE_TARGET_S = 1.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def migrated(url: str) -> str:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A fresh schema on the PostgreSQL server at ``base``, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def dashboard(url: str, workdir: Path) -> Iterator[str]:
    """`binfolio dashboard` on a free port of 127.0.0.1, until the block ends."""
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BINFOLIO_", "BINANCE_")) and k != "DATABASE_URL"
    }
    env.update(DATABASE_URL=url, BINFOLIO_DATA_DIR=str(workdir / "data"))
    process = subprocess.Popen(
        [sys.executable, "-m", "binfolio", "dashboard", "--port", str(port)],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"binfolio dashboard exited: {process.stderr.read()}")  # type: ignore[union-attr]
            try:
                if httpx.get(base + "/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(15)
        process.stderr.close()  # type: ignore[union-attr]


def timed(action: Callable[[], object], repeat: int, warmup: int = 3) -> list[float]:
    for _ in range(warmup):
        action()
    durations = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        durations.append(time.perf_counter() - started)
    return durations


def show(name: str, values: list[float], target: float, missed: list[str]) -> None:
    median = statistics.median(values)
    print(
        f"  {name:58s} median {median * 1000:7.1f} ms  "
        f"min {min(values) * 1000:7.1f}  max {max(values) * 1000:7.1f}  "
        f"(target {target * 1000:.0f} ms)"
    )
    if median > target:
        missed.append(f"{name}: {median * 1000:.0f} ms > {target * 1000:.0f} ms")


def get(client: httpx.Client, path: str, check: Callable[[httpx.Response], bool]) -> None:
    response = client.get(path)
    response.raise_for_status()
    assert check(response), path


def measure_series(base: str, label: str, missed: list[str]) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        response = client.get("/api/accounts/main/series", params={"range": "all"})
        body = response.json()
        print(
            f"  [{label}] series: {body['total_points']} snapshots → "
            f"{body['returned_points']} points, {len(response.content) // 1024} KiB of JSON"
        )
        values = timed(
            lambda: get(
                client,
                "/api/accounts/main/series?range=all&max_points=1000",
                lambda r: r.json()["returned_points"] <= 1000,
            ),
            repeat=21,
        )
        show(
            f"[{label}] GET series, 5 years hourly, max_points=1000",
            values,
            SERIES_TARGET_S,
            missed,
        )


def measure_overview(base: str, label: str, missed: list[str]) -> None:
    with httpx.Client(base_url=base, timeout=30) as client:
        count = len(client.get("/api/accounts", params={"range": "30d"}).json()["accounts"])
        assert count == 50, count
        for path, name in (
            ("/", "GET / (overview page, default range 30d)"),
            ("/api/accounts?range=30d", "GET /api/accounts?range=30d"),
            ("/?range=7d", "GET /?range=7d"),
        ):
            values = timed(lambda p=path: get(client, p, lambda r: True), repeat=11)  # type: ignore[misc]
            show(f"[{label}] {name}, 50 accounts", values, OVERVIEW_TARGET_S, missed)
        values = timed(lambda: get(client, "/?range=90d", lambda r: True), repeat=5, warmup=1)
        show(f"[{label}] GET /?range=90d, 50 accounts (no target)", values, float("inf"), missed)


def measure_page(base: str, missed: list[str]) -> None:
    if not CHROMIUM.is_file():
        print(f"  account page: skipped, {CHROMIUM} missing (make browser-deps)")
        missed.append("account page not measured: no chromium")
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        for query in ("", "?range=all"):
            cold: list[float] = []
            warm: list[float] = []
            for _ in range(7):
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                page = context.new_page()
                for into in (cold, warm):
                    started = time.perf_counter()
                    page.goto(base + "/accounts/main" + query)
                    page.wait_for_selector("body[data-charts-drawn]", state="attached")
                    into.append(time.perf_counter() - started)
                context.close()
            shown = query or " (default range 30d)"
            show(f"account page{shown}, empty cache", cold, PAGE_TARGET_S, missed)
            show(f"account page{shown}, warm cache", warm, PAGE_TARGET_S, missed)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="also measure on this PostgreSQL server (fresh schemas)")
    args = parser.parse_args()
    from installed import compile_package_bytecode

    compile_package_bytecode()
    workdir = Path(tempfile.mkdtemp(prefix="binfolio-dashboard-bench-"))
    missed: list[str] = []
    try:
        engines = [("sqlite", None)]
        if args.postgres:
            engines.append(("postgresql", args.postgres))
        for label, server in engines:
            with (
                postgres_schema(server) if server else _sqlite(workdir, "five") as five_url,
                postgres_schema(server) if server else _sqlite(workdir, "fifty") as fifty_url,
            ):
                started = time.perf_counter()
                build_history(
                    migrated(five_url),
                    HistorySpec(accounts=("main",), hours=43_800, flows_every_days=30, logs=50),
                )
                build_history(
                    migrated(fifty_url),
                    HistorySpec(
                        accounts=tuple(f"acct{i:02d}" for i in range(50)),
                        hours=24 * 90,
                        flows_every_days=30,
                    ),
                )
                if server:
                    # Statistics as autovacuum leaves them a minute after a bulk insert; without
                    # them PostgreSQL plans the fresh tables as if they were empty. Committed:
                    # statistics gathered in a transaction that rolls back are thrown away.
                    for url in (five_url, fifty_url):
                        engine = make_engine(url)
                        with engine.begin() as connection:
                            connection.execute(text("ANALYZE"))
                        engine.dispose()
                print(f"{label}: databases built in {time.perf_counter() - started:.1f} s")
                with dashboard(five_url, workdir) as base:
                    measure_series(base, label, missed)
                    if label == "sqlite":
                        measure_page(base, missed)
                with dashboard(fifty_url, workdir) as base:
                    measure_overview(base, label, missed)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if missed:
        print("targets missed: " + "; ".join(missed))
        sys.exit(1)


@contextmanager
def _sqlite(workdir: Path, name: str) -> Iterator[str]:
    yield f"sqlite:///{workdir / (name + '.db')}"


if __name__ == "__main__":
    main()
