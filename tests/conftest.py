"""Shared fixtures: a migrated database on SQLite and on PostgreSQL for every storage test.

PostgreSQL comes from ``BINFOLIO_TEST_POSTGRES_URL`` or 127.0.0.1:5432/test. Each test gets its
own schema so that tests can run in parallel (pytest-xdist) without seeing each other's rows.
Without a server the PostgreSQL variants skip on a laptop, but fail when ``CI=true``.
"""

from __future__ import annotations

import asyncio.base_events
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from binfolio.adapters.storage.database import make_engine, upgrade

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Every event loop the tests create runs in asyncio's debug mode (pytest-asyncio's
# ``asyncio_debug`` in pyproject.toml; PYTHONASYNCIODEBUG for loops made by the code itself), which logs each callback that
# holds the loop longer than ``slow_callback_duration``; :func:`_no_slow_callbacks` fails the
# test on any such line from the test's own loop. A blocking database call on an async path
# (the `binfolio snapshot` hang at 16 accounts) is what this catches. 250 ms: a blocking call
# holds the loop for seconds, while on a busy 2-core CI machine (xdist workers, simulator
# threads) an innocent callback of 30 ms of CPU was seen to take over 100 ms of wall time.
os.environ["PYTHONASYNCIODEBUG"] = "1"
SLOW_CALLBACK_S = float(os.environ.get("BINFOLIO_TEST_SLOW_CALLBACK_S", "0.25"))


class _SlowCallbacks(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        # Only the test's loop: servers started in threads (the simulator) have loops of their
        # own. And only tasks the code under test made (a run's accounts, a server's requests):
        # a test body or fixture that sets up rows synchronously is not production code.
        if record.threadName != "MainThread" or "took" not in message:
            return
        if any(mark in message for mark in _TEST_TASKS):
            return
        self.seen.append(message)


# How asyncio names the tasks of a test function and of pytest-asyncio's fixture wrappers.
_TEST_TASKS = ("coro=<test_", "_async_fixture_wrapper", "_asyncgen_fixture_wrapper")


def _loop_init_with_threshold() -> None:
    """Every loop created from now on reports callbacks slower than ``SLOW_CALLBACK_S``."""
    original_init = asyncio.base_events.BaseEventLoop.__init__

    def init(self: asyncio.base_events.BaseEventLoop) -> None:
        original_init(self)
        self.slow_callback_duration = SLOW_CALLBACK_S

    asyncio.base_events.BaseEventLoop.__init__ = init  # type: ignore[method-assign]


_loop_init_with_threshold()


@pytest.fixture(autouse=True)
def _no_slow_callbacks() -> Iterator[None]:
    """Fail a test whose event loop ran one callback for longer than ``SLOW_CALLBACK_S``."""
    handler = _SlowCallbacks()
    logger = logging.getLogger("asyncio")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
    if handler.seen:
        pytest.fail(
            "the event loop was blocked (asyncio debug mode, threshold "
            f"{SLOW_CALLBACK_S * 1000:.0f} ms):\n" + "\n".join(handler.seen[:5])
        )


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
