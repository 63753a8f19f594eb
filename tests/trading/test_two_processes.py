"""Two ``binfolio webhook`` processes sharing one PostgreSQL: the limits and the dedupe hold
across processes, because both live in the database's transactions, not in memory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from binfolio.adapters.storage.database import make_engine, make_session_factory, upgrade
from binfolio.adapters.storage.trade_repo import TradeRepository
from binfolio.simulator.testing import Credentials, SimulatorHandle, wait_until
from tests.trading.support import SECRET, SYMBOLS, alert, midnight_utc, orders_placed, trading_env

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
_URL_LINE = re.compile(r"binfolio webhook at (http://\S+)/webhook")


def _environment(extra: dict[str, str]) -> dict[str, str]:
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BINFOLIO_", "BINANCE_", "GOOGLE_", "PYTHONASYNCIODEBUG"))
        and k not in {"DATABASE_URL", "WEBHOOK_SECRET_KEY"}
    }
    return {**inherited, **extra}


def _start(env: dict[str, str], workdir: Path, number: int) -> tuple[subprocess.Popen[str], str]:
    log = workdir / f"webhook-{number}.log"
    with log.open("w") as stderr:  # a file: a full pipe would stall the server
        process = subprocess.Popen(
            [sys.executable, "-m", "binfolio", "webhook", "--port", "0"],
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = _URL_LINE.search(line)
    if match is None:
        process.kill()
        process.communicate()
        raise AssertionError(f"no URL printed: {line!r} {log.read_text()}")
    url = match.group(1)
    assert wait_until(lambda: httpx.get(f"{url}/health", timeout=5).status_code == 200, 20)
    return process, url


@pytest.fixture
def two_webhooks(
    postgres_schema_url: str,
    simulator: SimulatorHandle,
    trader_account: Credentials,
    tmp_path: Path,
) -> Iterator[tuple[list[str], TradeRepository]]:
    engine = make_engine(postgres_schema_url)
    upgrade(engine)
    env = trading_env(
        tmp_path, postgres_schema_url, simulator, creds=trader_account, risk__max_trades_per_day=6
    )
    started = [_start(_environment(env), tmp_path, n) for n in range(2)]
    try:
        yield [url for _, url in started], TradeRepository(make_session_factory(engine), "testnet")
    finally:
        for process, _ in started:
            process.terminate()
        for process, _ in started:
            process.communicate(timeout=20)
        engine.dispose()


def _decided(repo: TradeRepository, count: int) -> bool:
    signals = repo.overview(midnight_utc(), recent=200).recent_signals
    return len(signals) == count and all(
        s["status"] in {"executed", "rejected", "failed"} for s in signals
    )


def test_two_processes_share_dedupe_and_the_daily_limit(
    two_webhooks: tuple[list[str], TradeRepository], simulator: SimulatorHandle
) -> None:
    urls, repo = two_webhooks
    with httpx.Client(timeout=30) as client, ThreadPoolExecutor(50) as pool:
        # One alert, delivered twice to each process at the same moment.
        same = [(urls[n % 2], alert("ETHUSDT", strategy="tv")) for n in range(4)]
        answers = list(pool.map(lambda job: client.post(f"{job[0]}/webhook", json=job[1]), same))
        assert sorted(a.json()["status"] for a in answers) == ["accepted"] + ["duplicate"] * 3
        assert wait_until(lambda: _decided(repo, 1), 20)
        assert len(orders_placed(simulator)) == 1
        # 50 distinct signals split over both processes: 5 slots are left today.
        jobs = [(urls[n % 2], alert(SYMBOLS[n % len(SYMBOLS)], id=f"p-{n}")) for n in range(50)]
        answers = list(pool.map(lambda job: client.post(f"{job[0]}/webhook", json=job[1]), jobs))
    assert {a.json()["status"] for a in answers} == {"accepted"}
    assert wait_until(lambda: _decided(repo, 51), 60)
    assert len(orders_placed(simulator)) == 6
    status = httpx.get(f"{urls[1]}/status", headers={"Authorization": f"Bearer {SECRET}"}).json()
    assert status["trades_today"] == 6
