"""Set-up shared by the collector tests: simulator accounts, targets and a run helper."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.binance.exchange import BinanceExchange, Connection, Endpoints
from binfolio.adapters.binance.rest import RetryPolicy
from binfolio.adapters.storage.database import make_engine, make_session_factory, upgrade
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.domain.clock import Clock, utc_now
from binfolio.domain.snapshot import WALLET_GROUPS
from binfolio.services.collect.options import AccountTarget, CollectOptions
from binfolio.services.collect.results import RunResult
from binfolio.services.collect.run import collect
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
    base: dict[str, Any] = {"deadline_s": 20.0}
    return CollectOptions(**(base | changes))


def exchange(
    sim: SimulatorHandle,
    *,
    slots: int = 32,
    clock: Clock = utc_now,
    http: httpx.AsyncClient | None = None,
    retry: RetryPolicy = FAST_RETRY,
    http_timeout_s: float = 5.0,
) -> BinanceExchange:
    """The simulator as the exchange, with fast retries."""
    return BinanceExchange(
        Endpoints(sim.base_url, sim.base_url),
        slots=slots,
        connection=Connection(http_timeout_s=http_timeout_s, retry=retry),
        clock=clock,
        http=http,
    )


async def run(
    sim: SimulatorHandle,
    targets: Sequence[AccountTarget],
    factory: sessionmaker[Session],
    clock: Clock = utc_now,
    *,
    retry: RetryPolicy = FAST_RETRY,
    http_timeout_s: float = 5.0,
    **changes: Any,
) -> RunResult:
    chosen = options(**changes)
    binance = exchange(
        sim, slots=chosen.concurrency, clock=clock, retry=retry, http_timeout_s=http_timeout_s
    )
    async with binance:
        return await collect(
            targets, exchange=binance, storage=SqlStorage(factory), options=chosen, clock=clock
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
