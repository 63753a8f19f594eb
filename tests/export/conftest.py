"""Fixtures of the export tests: the fake Google (one server, reset per test) and a store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.export.support import SPREADSHEET, Store, open_store
from tests.fakes.google_sheets import FakeGoogle, running_fake_google


@pytest.fixture(scope="session")
def _google_server() -> Iterator[FakeGoogle]:
    with running_fake_google() as fake:
        yield fake


@pytest.fixture
def google(_google_server: FakeGoogle) -> FakeGoogle:
    """The fake Google over real HTTP, fresh: one shared, empty spreadsheet ``sheet-1``."""
    _google_server.reset()
    _google_server.add_spreadsheet(SPREADSHEET, "Sheet1")
    return _google_server


@pytest.fixture
def key_file(google: FakeGoogle, tmp_path: Path) -> Path:
    """The service-account key Google knows, mode 0600, its token_uri the fake."""
    return google.write_key(tmp_path / "service-account.json")


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A migrated database (SQLite and PostgreSQL) with its outbox repository."""
    opened = open_store(db_url)
    yield opened
    opened.factory.kw["bind"].dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated SQLite database, for tests about Google rather than storage."""
    from binfolio.adapters.storage.database import make_engine, upgrade

    url = f"sqlite:///{tmp_path / 'export.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    opened = open_store(url)
    yield opened
    opened.factory.kw["bind"].dispose()
