"""`binfolio dashboard` as a real process: serves alone, refuses to listen unprotected."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from binfolio.adapters.storage.database import make_engine, upgrade
from tests.web.history import HistorySpec, build_history
from tests.web.test_live import free_port

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - what these tests expect to be refused


def environment(tmp_path: Path, url: str, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BINFOLIO_", "BINANCE_", "GOOGLE_")) and k != "DATABASE_URL"
    }
    return {**env, "DATABASE_URL": url, "BINFOLIO_DATA_DIR": str(tmp_path / "data"), **extra}


@pytest.fixture
def sqlite_history(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'dashboard.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    build_history(url, HistorySpec(accounts=("main",), hours=48))
    return url


@contextmanager
def dashboard_process(
    tmp_path: Path, url: str, *args: str, **env: str
) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "binfolio", "dashboard", *args],
        env=environment(tmp_path, url, **env),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def wait_healthy(base: str, process: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the dashboard exited {process.returncode}: {process.stderr.read()}")  # type: ignore[union-attr]
        try:
            return httpx.get(base + "/health", timeout=2)
        except httpx.TransportError:
            time.sleep(0.1)
    pytest.fail("the dashboard did not answer within 30 s")


def test_the_command_serves_the_dashboard_on_loopback(tmp_path: Path, sqlite_history: str) -> None:
    port = free_port()
    with dashboard_process(tmp_path, sqlite_history, "--port", str(port)) as process:
        base = f"http://127.0.0.1:{port}"
        assert wait_healthy(base, process).json()["status"] == "ok"
        page = httpx.get(base + "/", timeout=10)
        assert page.status_code == 200
        assert 'href="/accounts/main?range=30d"' in page.text
        assert (
            httpx.get(base + "/api/accounts/main/series", timeout=10).json()["total_points"] == 48
        )
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
        assert f"binfolio dashboard on http://127.0.0.1:{port}" in process.stdout.read()  # type: ignore[union-attr]


def test_the_command_refuses_a_public_address_without_a_token(
    tmp_path: Path, sqlite_history: str
) -> None:
    with dashboard_process(tmp_path, sqlite_history, "--host", ALL_INTERFACES) as process:
        assert process.wait(30) == 2
        error = process.stderr.read()  # type: ignore[union-attr]
    assert "refusing to listen on 0.0.0.0 without dashboard.token" in error
    assert "BINFOLIO_DASHBOARD__TOKEN" in error


def test_the_command_listens_publicly_with_a_token_and_asks_for_it(
    tmp_path: Path, sqlite_history: str
) -> None:
    port = free_port()
    token = "s3cret-dashboard-token"
    with dashboard_process(
        tmp_path,
        sqlite_history,
        "--host",
        ALL_INTERFACES,
        "--port",
        str(port),
        BINFOLIO_DASHBOARD__TOKEN=token,
    ) as process:
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base, process)
        assert httpx.get(base + "/api/accounts", timeout=10).status_code == 401
        allowed = httpx.get(base + "/api/accounts", auth=("me", token), timeout=10)
        assert allowed.status_code == 200
        process.send_signal(signal.SIGINT)
        process.wait(10)
        output = process.stdout.read() + process.stderr.read()  # type: ignore[union-attr,operator]
    assert token not in output
