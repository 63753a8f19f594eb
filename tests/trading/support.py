"""Set-up shared by the trader tests: settings, a trader on the simulator, a served webhook."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from binfolio.bootstrap import App
from binfolio.config_load import load_settings
from binfolio.domain.clock import utc_now
from binfolio.entrypoints.web.webhook import create_webhook_app
from binfolio.entrypoints.web.webhook.wiring import BuiltTrader, build_trader
from binfolio.log import Redactor
from binfolio.simulator.server import base_url, bind
from binfolio.simulator.testing import Credentials, SimulatorHandle

SECRET = "test-webhook-secret-123"
PRICES = {"BTCUSDT": "60000.00", "ETHUSDT": "3000.00", "BNBUSDT": "600.00", "SOLUSDT": "150.00"}
SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT", "XRPUSDT", "LTCUSDT", "LINKUSDT"]


class FakeClock:
    """A settable UTC clock (trader time; the simulator keeps its own)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utc_now()
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, **delta: float) -> None:
        with self._lock:
            self.now += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        with self._lock:
            self.now = moment


def trading_env(
    tmp_path: Path,
    db_url: str,
    sim: SimulatorHandle,
    *,
    mode: str = "testnet",
    creds: Credentials | None = None,
    **settings: Any,
) -> dict[str, str]:
    """Environment variables configuring a trader against the simulator."""
    config = tmp_path / "binfolio.toml"
    config.touch()
    env = {
        "BINFOLIO_CONFIG": str(config),
        "BINFOLIO_DATA_DIR": str(tmp_path / "data"),
        "BINFOLIO_DATABASE__URL": db_url,
        "BINFOLIO_BINANCE__BASE_URL": sim.base_url,
        "BINFOLIO_BINANCE__FUTURES_BASE_URL": sim.base_url,
        "BINFOLIO_BINANCE__TIMEOUT_S": "2",
        "BINFOLIO_TRADING__MODE": mode,
        "BINFOLIO_TRADING__BASE_URL": sim.base_url,
        "BINFOLIO_RISK__MIN_CONFIDENCE": "0",
        "BINFOLIO_RISK__MAX_TRADE_USDT": "100",
        "BINFOLIO_RISK__MAX_OPEN_TRADES": "100",
        "BINFOLIO_RISK__COOLDOWN_MINUTES": "0",
        "WEBHOOK_SECRET_KEY": SECRET,
        "BINFOLIO_LOGGING__LEVEL": "WARNING",
    }
    if creds is not None:
        env["BINANCE_API_KEY"] = creds.api_key
        env["BINANCE_API_SECRET"] = creds.api_secret
    for key, value in settings.items():
        env[f"BINFOLIO_{key.upper()}"] = str(value)
    return env


def make_app(env: dict[str, str], tmp_path: Path) -> App:
    """A container on ``env`` (no logging set-up, no global environment)."""
    settings = load_settings(environ=env, cwd=tmp_path)
    return App(settings=settings, environ=env, redactor=Redactor())


def fund(sim: SimulatorHandle, name: str = "trader", usdt: str = "100000") -> Credentials:
    """A simulator account that may trade spot, with USDT and the test prices set."""
    creds = sim.create_account(
        name,
        balances={"spot": {"USDT": usdt}},
        permissions={"enableSpotAndMarginTrading": True},
    )
    sim.set_prices(PRICES)
    return creds


def orders_placed(sim: SimulatorHandle) -> list[dict[str, Any]]:
    """Orders the simulator accepted (POST /api/v3/order answered 200)."""
    # requests_log(method=...) collides with admin()'s own parameter: filter here.
    log = sim.requests_log(path="/api/v3/order")
    return [r for r in log if r["method"] == "POST" and r["status"] == 200]


def alert(symbol: str = "BTCUSDT", side: str = "BUY", **fields: Any) -> dict[str, Any]:
    """An alert body with the secret."""
    return {"secret": SECRET, "symbol": symbol, "side": side, "amount_usdt": "20", **fields}


@dataclass
class Served:
    """A webhook server in a thread of this process."""

    url: str
    built: BuiltTrader
    server: uvicorn.Server
    thread: threading.Thread
    app: App
    extra: dict[str, Any] = field(default_factory=dict)

    def drain(self, timeout_s: float = 20.0) -> None:
        """Wait until the trader has nothing queued or in hand."""
        loop = self.extra["loop"]
        future = asyncio.run_coroutine_threadsafe(
            asyncio.wait_for(self.built.trader.drain(), timeout_s), loop
        )
        future.result(timeout_s + 1)

    def stop(self) -> None:
        """Stop the server as a shutdown would (the trader's workers end with it)."""
        self.server.should_exit = True
        self.thread.join(15)

    def run(self, coroutine: Any, timeout_s: float = 20.0) -> Any:
        """Run a coroutine on the server's event loop."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.extra["loop"]).result(timeout_s)


@contextmanager
def served(app: App, **build: Any) -> Iterator[Served]:
    """Serve ``build_trader(app)`` on a free loopback port until the block ends."""
    built = build_trader(app, **build)
    web = create_webhook_app(built.trader, built.options)
    sock = bind("127.0.0.1", 0)
    config = uvicorn.Config(web, log_level="warning", access_log=False, proxy_headers=False)
    server = uvicorn.Server(config)
    holder: dict[str, Any] = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        holder["loop"] = loop
        asyncio.set_event_loop(loop)
        loop.run_until_complete(server.serve(sockets=[sock]))
        loop.run_until_complete(built.aclose())
        loop.close()

    thread = threading.Thread(target=run, name="webhook-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the webhook server did not start")
        time.sleep(0.01)
    handle = Served(base_url(sock), built, server, thread, app, holder)
    try:
        yield handle
    finally:
        handle.stop()
        sock.close()
        app.close()


def post(url: str, body: Any, *, headers: dict[str, str] | None = None) -> httpx.Response:
    """POST a JSON body (or raw bytes/str) to ``url``/webhook."""
    if isinstance(body, bytes | str):
        return httpx.post(f"{url}/webhook", content=body, headers=headers, timeout=10)
    return httpx.post(f"{url}/webhook", json=body, headers=headers, timeout=10)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def midnight_utc(days: int = 0) -> datetime:
    today = utc_now().replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days)
