"""Fixtures of the trader tests: a migrated SQLite database and a webhook server factory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from pathlib import Path
from typing import Any

import pytest

from binfolio.adapters.storage.database import make_engine, upgrade
from binfolio.simulator.testing import Credentials, SimulatorHandle
from tests.trading.support import Served, fund, make_app, served, trading_env

StartWebhook = Callable[..., Served]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database in ``tmp_path``."""
    url = f"sqlite:///{tmp_path / 'trader.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture
def trader_account(simulator: SimulatorHandle) -> Credentials:
    """A funded simulator account allowed to trade spot."""
    return fund(simulator)


@pytest.fixture
def start_webhook(
    simulator: SimulatorHandle, trader_account: Credentials, tmp_path: Path
) -> Iterator[StartWebhook]:
    """``start_webhook(db_url, mode="testnet", build={...}, **settings)`` → a served webhook.

    ``settings`` are ``section__key`` names (``risk__max_trades_per_day=5``); every server is
    stopped when the test ends.
    """
    with ExitStack() as stack:

        def start(
            db_url: str,
            *,
            mode: str = "testnet",
            build: dict[str, Any] | None = None,
            **settings: Any,
        ) -> Served:
            env = trading_env(
                tmp_path, db_url, simulator, mode=mode, creds=trader_account, **settings
            )
            context: AbstractContextManager[Served] = served(
                make_app(env, tmp_path), **(build or {})
            )
            return stack.enter_context(context)

        yield start
