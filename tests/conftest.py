"""Shared fixtures: a migrated database on SQLite and on PostgreSQL for every storage test.

PostgreSQL comes from ``BINFOLIO_TEST_POSTGRES_URL`` or 127.0.0.1:5432/test. Each test gets its
own schema so that tests can run in parallel (pytest-xdist) without seeing each other's rows.
Without a server the PostgreSQL variants skip on a laptop, but fail when ``CI=true``.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from binfolio.adapters.storage.database import make_engine, upgrade

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Fails a test whose code blocks an event loop (asyncio debug mode; see the module).
pytest_plugins = ["tests.loop_guard"]


def postgres_url() -> str:
    return os.environ.get("BINFOLIO_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def _postgres_available() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        probe = create_engine(postgres_url(), connect_args={"connect_timeout": 3})
        with probe.connect() as connection:
            connection.execute(text("select 1"))
        probe.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


_PG_PROBLEM: list[str | None] = []


def require_postgres() -> None:
    """Skip, or fail under CI, when the PostgreSQL server is not reachable."""
    if not _PG_PROBLEM:
        _PG_PROBLEM.append(_postgres_available())
    problem = _PG_PROBLEM[0]
    if problem is None:
        return
    message = f"PostgreSQL at {postgres_url()} not reachable: {problem}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: PostgreSQL tests must run)")
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _remove_log_handlers() -> Iterator[None]:
    """Commands install logging handlers on the root logger; close them after each test."""
    yield
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "_binfolio_handler", False)]:
        root.removeHandler(handler)
        handler.close()


@pytest.fixture
def postgres_schema_url() -> Iterator[str]:
    """A PostgreSQL URL whose default schema is a fresh, empty schema of this test."""
    require_postgres()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url())
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    base = postgres_url()
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'binfolio.db'}"
    url: str = request.getfixturevalue("postgres_schema_url")
    return url


@pytest.fixture
def db_url(empty_db_url: str) -> str:
    """The URL of a database migrated to head, on both engines."""
    engine = make_engine(empty_db_url)
    upgrade(engine)
    engine.dispose()
    return empty_db_url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on a database at head, on both engines."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


# --- The offline Binance (binfolio.simulator) -------------------------------------------------

from binfolio.simulator.testing import SimulatorHandle, running_simulator  # noqa: E402


@pytest.fixture(scope="session")
def _simulator_server() -> Iterator[SimulatorHandle]:
    """One simulator server per test session (per xdist worker); tests reset it."""
    with running_simulator(speed=0) as handle:
        yield handle


@pytest.fixture
def simulator(_simulator_server: SimulatorHandle) -> SimulatorHandle:
    """A running simulator (``SimulatorHandle``), reset for this test.

    Fresh state: no accounts, no faults, default limits, empty request log, scenario ``steady``,
    seed 1, and a **frozen** market clock (``speed=0``) so prices only move when the test moves
    them (``set_prices``, ``advance_clock``); ``simulator.reset(speed=1)`` lets time run.
    """
    _simulator_server.reset(scenario="steady", seed=1, speed=0)
    return _simulator_server
