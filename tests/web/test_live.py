"""Server-sent events over a real server: new snapshots and log records reach open pages."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import httpx
import uvicorn
from sqlalchemy import insert

from binfolio.adapters.storage.dashboard_repo import DashboardRepo
from binfolio.adapters.storage.database import make_engine, make_session_factory
from binfolio.adapters.storage.models import LogRow
from binfolio.domain.clock import Clock
from binfolio.entrypoints.web.dashboard import DashboardOptions, create_dashboard_app
from tests.web.conftest import END, fixed_clock
from tests.web.history import History, add_snapshot

POLL_S = 0.2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(url: str, clock: Clock = fixed_clock) -> Iterator[str]:
    """The dashboard over ``url`` on a real uvicorn server (a thread of this process)."""
    engine = make_engine(url)
    app = create_dashboard_app(
        DashboardRepo(make_session_factory(engine)),
        DashboardOptions(clock=clock, poll_interval_s=POLL_S),
    )
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=1
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        engine.dispose()


def events(response: httpx.Response) -> Iterator[tuple[str, dict[str, object]]]:
    """(event name, JSON data) of each server-sent event; comments (keep-alives) skipped."""
    name, data = "message", ""
    for line in response.iter_lines():
        if line.startswith("event:"):
            name = line.split(":", 1)[1].strip()
        elif line.startswith("data:"):
            data += line.split(":", 1)[1].strip()
        elif not line and data:
            yield name, json.loads(data)
            name, data = "message", ""


def add_log(url: str, message: str, level: str = "INFO") -> None:
    engine = make_engine(url)
    with make_session_factory(engine).begin() as session:
        session.execute(
            insert(LogRow).values(
                created_at=END, level=level, logger="binfolio.test", message=message
            )
        )
    engine.dispose()


def test_a_new_snapshot_is_pushed_to_open_pages(history: History) -> None:
    with serving(history.url) as base, httpx.Client(base_url=base, timeout=10) as client:
        before = client.get("/api/accounts").json()["newest_snapshot_id"]
        with client.stream("GET", "/api/events") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            assert "content-security-policy" in response.headers
            stream = events(response)
            assert next(stream) == ("snapshot", {"snapshot_id": before})
            add_snapshot(
                history.url, history.account_ids["main"], END + timedelta(hours=1), Decimal(12345)
            )
            started = time.monotonic()
            name, data = next(stream)
            assert (name, data) == ("snapshot", {"snapshot_id": before + 1})
            assert time.monotonic() - started < 5 * POLL_S + 2


def test_log_records_stream_as_they_are_stored(history: History) -> None:
    with serving(history.url) as base, httpx.Client(base_url=base, timeout=10) as client:
        with client.stream("GET", "/api/logs/stream") as response:
            stream = events(response)
            backlog = [next(stream) for _ in range(12)]
            assert {name for name, _ in backlog} == {"log"}
            ids = [data["id"] for _, data in backlog]
            assert ids == sorted(ids)
            add_log(history.url, "<b>not markup</b> run 13: main complete")
            name, record = next(stream)
            assert name == "log"
            assert record["message"] == "<b>not markup</b> run 13: main complete"
            assert record["logger"] == "binfolio.test"
            assert record["id"] == ids[-1] + 1
        with client.stream("GET", "/api/logs/stream", params={"level": "WARNING"}) as response:
            stream = events(response)
            warnings = [next(stream) for _ in range(2)]
            assert {data["level"] for _, data in warnings} == {"WARNING"}
        resumed = client.stream("GET", "/api/logs/stream", headers={"Last-Event-ID": str(ids[-1])})
        with resumed as response:
            assert next(events(response))[1]["id"] == ids[-1] + 1


def test_an_unknown_log_level_is_a_422(history: History) -> None:
    with serving(history.url) as base, httpx.Client(base_url=base, timeout=10) as client:
        response = client.get("/api/logs/stream", params={"level": "LOUD"})
        assert response.status_code == 422
