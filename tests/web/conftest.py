"""Dashboard fixtures: a stored history on SQLite and PostgreSQL, and clients of the app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from binfolio.adapters.storage.dashboard_repo import DashboardRepo
from binfolio.adapters.storage.database import make_engine, make_session_factory
from binfolio.entrypoints.web.dashboard import DashboardOptions, create_dashboard_app
from tests.web.history import History, HistorySpec, build_history

END = datetime(2026, 11, 20, tzinfo=UTC)  # a Friday; the history's last snapshot is 00:00:05
NOW = END + timedelta(minutes=30)
SPIKE_AT = 24 * 12 + 5  # main's NAV triples for this one hour
LOCAL = "http://127.0.0.1:8000"

MakeClient = Callable[..., httpx.AsyncClient]


def fixed_clock() -> datetime:
    return NOW


@pytest.fixture
def history(db_url: str) -> History:
    """Twenty days of hourly snapshots of "main" (with a spike) and "savings" (latest partial,
    an unpriced asset, reconciliation drift), with flows, benchmark, holdings, runs, logs."""
    return build_history(
        db_url,
        HistorySpec(
            accounts=("main", "savings"),
            hours=24 * 20,
            end=END,
            spikes={"main": SPIKE_AT},
            partial_last=frozenset({"savings"}),
            unpriced_last={"savings": ["FOO"]},
            drift_last=frozenset({"savings"}),
            flows_every_days=4,
        ),
    )


@pytest.fixture
async def make_client() -> AsyncIterator[MakeClient]:
    """``make_client(url, **options)``: an httpx client of a dashboard over that database.

    Requests come from 127.0.0.1 to ``http://127.0.0.1:8000`` unless ``base_url`` says
    otherwise; options are :class:`DashboardOptions` fields (the clock is fixed at ``NOW``).
    """
    opened: list[tuple[httpx.AsyncClient, Engine]] = []

    def make(url: str, base_url: str = LOCAL, **options: Any) -> httpx.AsyncClient:
        engine = make_engine(url)
        settings = replace(DashboardOptions(clock=fixed_clock), **options)
        app = create_dashboard_app(DashboardRepo(make_session_factory(engine)), settings)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        client = httpx.AsyncClient(transport=transport, base_url=base_url)
        opened.append((client, engine))
        return client

    yield make
    for client, engine in opened:
        await client.aclose()
        engine.dispose()


@pytest.fixture
def client(history: History, make_client: MakeClient) -> httpx.AsyncClient:
    """A client of a loopback dashboard without a token, over :func:`history`."""
    return make_client(history.url)
