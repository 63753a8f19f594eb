"""Set-up shared by the collector tests: simulator accounts, targets and a run helper."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.binance.rest import RetryPolicy
from binfolio.adapters.storage.database import make_engine, make_session_factory, upgrade
from binfolio.domain.clock import Clock, utc_now
from binfolio.domain.snapshot import WALLET_GROUPS
from binfolio.services.collect.results import RunResult
from binfolio.services.collect.run import AccountTarget, CollectOptions, Endpoints, collect
from binfolio.simulator.testing import Credentials, SimulatorHandle

FAST_RETRY = RetryPolicy(attempts=3, backoff_initial_s=0.01, backoff_max_s=0.05)
PRICES = {
    "BTCUSDT": "60000",
    "ETHUSDT": "3000",
    "BNBUSDT": "600",
    "ARDRBTC": "0.0000015",  # ARDR trades only against BTC
    "ZENETH": "0.003",  # ZEN only against ETH
    "USDTTRY": "34",  # TRY only through the inverse pair
}


def target(creds: Credentials, wallets: Sequence[str] = WALLET_GROUPS) -> AccountTarget:
    return AccountTarget(
        creds.name, SecretStr(creds.api_key), SecretStr(creds.api_secret), frozenset(wallets)
    )


def sqlite_factory(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'collect.db'}")
    upgrade(engine)
    return make_session_factory(engine)


def options(**changes: Any) -> CollectOptions:
    base: dict[str, Any] = {"retry": FAST_RETRY, "deadline_s": 20.0, "http_timeout_s": 5.0}
    return CollectOptions(**(base | changes))


async def run(
    sim: SimulatorHandle,
    targets: Sequence[AccountTarget],
    factory: sessionmaker[Session],
    clock: Clock = utc_now,
    **changes: Any,
) -> RunResult:
    return await collect(
        targets,
        endpoints=Endpoints(sim.base_url, sim.base_url),
        session_factory=factory,
        options=options(**changes),
        clock=clock,
    )


def place_limit_buy(sim: SimulatorHandle, creds: Credentials, quantity: str, price: str) -> None:
    """Lock quote balance in an open order (spot ``locked``)."""
    query = creds.sign(
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "timeInForce": "GTC",
            "quantity": quantity,
            "price": price,
            "timestamp": sim.server_time_ms(),
        }
    )
    response = httpx.post(
        f"{sim.base_url}/api/v3/order",
        content=query,
        headers={**creds.headers, "Content-Type": "application/x-www-form-urlencoded"},
    )
    response.raise_for_status()


def simple_account(sim: SimulatorHandle, name: str, usdt: str = "1000") -> Credentials:
    return sim.create_account(
        name,
        balances={"spot": {"USDT": usdt, "BTC": "0.1"}, "futures": {"USDT": "100"}},
    )


def requests_to(sim: SimulatorHandle, path: str) -> list[dict[str, Any]]:
    """The simulator's log entries for one path (filtered here: ``requests_log(path=…)``
    collides with ``SimulatorHandle.admin``'s own ``path`` argument)."""
    return [entry for entry in sim.requests_log() if entry["path"] == path]
