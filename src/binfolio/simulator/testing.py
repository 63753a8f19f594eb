"""Run the offline Binance for tests, benchmarks and demos (no pytest needed).

Usage::

    from binfolio.simulator.testing import running_simulator

    with running_simulator(scenario="steady", seed=1, speed=0) as sim:   # speed 0: frozen prices
        main = sim.create_account("main", balances={"spot": {"USDT": "1000", "BTC": "0.5"},
                                                    "futures": {"USDT": "500"}})
        sim.set_prices({"BTCUSDT": "65000.00"})
        sim.add_deposit("main", "USDT", "250", status=1)
        # point any client at sim.base_url (spot, sapi and fapi share it), sign with main.api_secret
        query = main.sign({"timestamp": sim.server_time_ms()})
        httpx.get(f"{sim.base_url}/api/v3/account?{query}", headers=main.headers)
        sim.advance_clock(60_000)   # market time; signed timestamps are not affected
        sim.set_faults(endpoint="/api/v3/account", status=503, times=1)
        assert sim.requests_log(path="/api/v3/account")[-1]["status"] == 503

In pytest, the ``simulator`` fixture (``tests/conftest.py``) yields a running, freshly reset
``SimulatorHandle``. ``point_ccxt(exchange, base_url)`` and ``python_binance_class(Client,
base_url)`` point the real client libraries at it by URL only. Admin helpers raise
``SimulatorAdminError`` with the simulator's explanation when a call is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx

from binfolio.simulator.app import create_app
from binfolio.simulator.config import Limits, SimulatorConfig
from binfolio.simulator.server import BackgroundServer, base_url, bind

T = TypeVar("T")


class SimulatorAdminError(RuntimeError):
    """The admin API refused a call; the message is the simulator's explanation."""


@dataclass(frozen=True)
class Credentials:
    """A simulated account's name, API key and secret."""

    name: str
    api_key: str
    api_secret: str

    @property
    def headers(self) -> dict[str, str]:
        """The ``X-MBX-APIKEY`` header."""
        return {"X-MBX-APIKEY": self.api_key}

    def sign(self, params: Mapping[str, Any]) -> str:
        """The percent-encoded query string with ``signature`` appended (Binance's rule)."""
        query = urlencode({k: str(v) for k, v in params.items()})
        signature = hmac.new(self.api_secret.encode(), query.encode(), hashlib.sha256).hexdigest()
        return f"{query}&signature={signature}"


def write_accounts_config(
    path: Path,
    base_url: str,
    accounts: Sequence[Credentials],
    *,
    earn: bool = True,
    extra: Sequence[str] = (),
) -> dict[str, str]:
    """A ``binfolio.toml`` at ``path`` pointing at the simulator and naming each account's key
    variables; returns those variables (``NAME_KEY``/``NAME_SECRET``).

    ``earn`` False switches the Earn wallets off per account; ``extra`` lines follow the
    ``[binance]`` table (other tables of the user's choosing).
    """
    lines = ["[binance]", f'base_url = "{base_url}"', f'futures_base_url = "{base_url}"', *extra]
    env: dict[str, str] = {}
    for creds in accounts:
        upper = creds.name.upper().replace("-", "_")
        lines += [
            "[[accounts]]",
            f'name = "{creds.name}"',
            f'api_key_env = "{upper}_KEY"',
            f'api_secret_env = "{upper}_SECRET"',
            *([] if earn else ["wallets = { earn = false }"]),
        ]
        env |= {f"{upper}_KEY": creds.api_key, f"{upper}_SECRET": creds.api_secret}
    path.write_text("\n".join(lines) + "\n")
    return env


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


class SimulatorHandle:
    """A running simulator: its ``base_url`` and helpers over the ``/_sim/`` admin API."""

    def __init__(self, url: str, app: Any) -> None:
        self.base_url = url
        self.app = app
        self._http = httpx.Client(base_url=url, timeout=30.0)

    def close(self) -> None:
        """Close the admin HTTP client."""
        self._http.close()

    def admin(self, method: str, route: str, body: Any = None, **query: Any) -> Any:
        """Call an admin route (``route`` relative to ``/_sim``) and return its JSON.

        Raises:
            SimulatorAdminError: when the simulator answers with an error.
        """
        response = self._http.request(
            method,
            f"/_sim{route}",
            json=_jsonable(body) if body is not None else None,
            params=query or None,
        )
        if response.status_code >= 400:
            raise SimulatorAdminError(
                f"{method} /_sim{route}: {response.status_code} {response.text}"
            )
        return response.json()

    # -- accounts ---------------------------------------------------------------------------------

    def create_account(
        self,
        name: str = "main",
        balances: Mapping[str, Mapping[str, Any]] | None = None,
        permissions: Mapping[str, bool] | None = None,
        **extra: Any,
    ) -> Credentials:
        """Create an account (``extra``: positions, multi_assets_margin, api_key, api_secret)."""
        body = {"name": name, "balances": balances or {}, "permissions": permissions or {}, **extra}
        answer = self.admin("POST", "/accounts", body)
        return Credentials(answer["name"], answer["api_key"], answer["api_secret"])

    def account(self, name: str) -> dict[str, Any]:
        """Balances, positions, open orders and transfers of an account (money as strings)."""
        result: dict[str, Any] = self.admin("GET", f"/accounts/{name}")
        return result

    def set_balances(self, name: str, balances: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """Replace the given assets of the given wallets."""
        result: dict[str, Any] = self.admin("POST", f"/accounts/{name}/balances", balances)
        return result

    def set_positions(self, name: str, positions: list[Mapping[str, Any]]) -> dict[str, Any]:
        """Set futures positions: ``[{"symbol", "amount", "entry_price"?, "leverage"?}]``."""
        result: dict[str, Any] = self.admin(
            "POST", f"/accounts/{name}/positions", {"positions": positions}
        )
        return result

    def set_permissions(self, name: str, **permissions: bool) -> dict[str, bool]:
        """Change a key's apiRestrictions flags, e.g. ``enableSpotAndMarginTrading=False``."""
        result: dict[str, bool] = self.admin("POST", f"/accounts/{name}/permissions", permissions)
        return result

    # -- market and clock -------------------------------------------------------------------------

    def set_prices(self, prices: Mapping[str, Any]) -> dict[str, str]:
        """Set current prices, e.g. ``{"BTCUSDT": "65000.00"}``; the path continues from there."""
        result: dict[str, str] = self.admin("POST", "/prices", prices)
        return result

    def prices(self) -> dict[str, str]:
        """Every symbol's current price."""
        result: dict[str, str] = self.admin("GET", "/prices")
        return result

    def set_scenario(self, scenario: str, seed: int | None = None) -> dict[str, Any]:
        """Switch the scenario from now on, continuing from the current prices."""
        body: dict[str, Any] = {"scenario": scenario} | ({} if seed is None else {"seed": seed})
        result: dict[str, Any] = self.admin("POST", "/scenario", body)
        return result

    def clock(self) -> dict[str, Any]:
        """``now_ms`` (market), ``start_ms``, ``speed``, ``server_ms`` and ``skew_ms``."""
        result: dict[str, Any] = self.admin("GET", "/clock")
        return result

    def now_ms(self) -> int:
        """The market clock now."""
        return int(self.clock()["now_ms"])

    def server_time_ms(self) -> int:
        """The server clock signed timestamps are checked against."""
        return int(self.clock()["server_ms"])

    def advance_clock(self, delta_ms: int) -> int:
        """Move market time forward; returns the new ``now_ms``."""
        return int(self.admin("POST", "/clock", {"advance_ms": delta_ms})["now_ms"])

    def set_clock(self, time_ms: int | None = None, **options: Any) -> dict[str, Any]:
        """Set market time and/or ``speed`` and ``skew_ms``."""
        body = dict(options) | ({} if time_ms is None else {"set_ms": time_ms})
        result: dict[str, Any] = self.admin("POST", "/clock", body)
        return result

    # -- transfers --------------------------------------------------------------------------------

    def add_deposit(
        self,
        account: str,
        coin: str,
        amount: Any,
        status: int = 1,
        time_ms: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Add a deposit (``extra``: wallet="funding", network, complete_after_ms)."""
        body = {"account": account, "coin": coin, "amount": amount, "status": status, **extra}
        if time_ms is not None:
            body["time_ms"] = time_ms
        result: dict[str, Any] = self.admin("POST", "/deposits", body)
        return result

    def add_withdrawal(
        self,
        account: str,
        coin: str,
        amount: Any,
        fee: Any = "0",
        status: int = 6,
        time_ms: int | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Add a withdrawal (``extra``: wallet, network, withdraw_order_id, complete_after_ms)."""
        body = {
            "account": account,
            "coin": coin,
            "amount": amount,
            "fee": fee,
            "status": status,
            **extra,
        }
        if time_ms is not None:
            body["time_ms"] = time_ms
        result: dict[str, Any] = self.admin("POST", "/withdrawals", body)
        return result

    def add_income(self, account: str, income: Any, **extra: Any) -> dict[str, Any]:
        """Add a futures income row.

        ``extra``: asset, income_type, symbol, time_ms, apply_to_wallet.
        """
        result: dict[str, Any] = self.admin(
            "POST", "/income", {"account": account, "income": income, **extra}
        )
        return result

    # -- faults, limits, log ----------------------------------------------------------------------

    def set_faults(self, **rule: Any) -> list[dict[str, Any]]:
        """Replace all faults by one rule, e.g. ``endpoint="/sapi/", status=503, times=2``."""
        result: list[dict[str, Any]] = self.admin("POST", "/faults", {**rule, "replace": True})[
            "faults"
        ]
        return result

    def add_fault(self, **rule: Any) -> list[dict[str, Any]]:
        """Add one fault rule to those active."""
        result: list[dict[str, Any]] = self.admin("POST", "/faults", rule)["faults"]
        return result

    def clear_faults(self) -> None:
        """Remove every fault."""
        self.admin("DELETE", "/faults")

    def set_limits(self, **limits: int) -> dict[str, int]:
        """Change weight limits (fields of ``Limits``) and reset the counters."""
        result: dict[str, int] = self.admin("POST", "/limits", limits)
        return result

    def requests_log(self, **filters: Any) -> list[dict[str, Any]]:
        """The request log (method, path, account, weight, status, code), oldest first.

        Filters: ``account``, ``path``, ``method``, ``limit`` (the last N).
        """
        result: list[dict[str, Any]] = self.admin("GET", "/requests", **filters)["requests"]
        return result

    def clear_requests_log(self) -> None:
        """Empty the request log."""
        self.admin("DELETE", "/requests")

    def reset(self, **options: Any) -> dict[str, Any]:
        """Back to a fresh simulator (``options``: scenario, seed, speed, start_ms, limits)."""
        result: dict[str, Any] = self.admin("POST", "/reset", options)
        return result


@contextmanager
def running_simulator(
    scenario: str = "steady",
    seed: int = 1,
    *,
    speed: float = 1.0,
    start_ms: int | None = None,
    limits: Limits | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[SimulatorHandle]:
    """Serve a fresh simulator on a free loopback port for the duration of the block.

    Raises:
        RuntimeError: when the server does not start.
    """
    config = SimulatorConfig(
        scenario=scenario, seed=seed, speed=speed, start_ms=start_ms, limits=limits or Limits()
    )
    app = create_app(config)
    sock = bind(host, port)
    server = BackgroundServer(app, sock)
    server.start()
    handle = SimulatorHandle(base_url(sock), app)
    try:
        yield handle
    finally:
        handle.close()
        server.stop()


def point_ccxt(exchange: T, url: str) -> T:
    """Point a ccxt Binance exchange (sync or async, any flavour) at the simulator."""
    api = exchange.urls["api"]  # type: ignore[attr-defined]
    for key, value in list(api.items()):
        if isinstance(value, str) and ".com" in value:
            api[key] = url + value.split(".com", 1)[1]
    return exchange


def python_binance_class(client_class: type[T], url: str) -> type[T]:
    """A subclass of python-binance's ``Client`` or ``AsyncClient`` aimed at the simulator."""
    attributes = {
        "API_URL": url + "/api",
        "MARGIN_API_URL": url + "/sapi",
        "FUTURES_URL": url + "/fapi",
        "FUTURES_DATA_URL": url + "/futures/data",
        "FUTURES_COIN_URL": url + "/dapi",
        "FUTURES_COIN_DATA_URL": url + "/futures/data",
        "OPTIONS_URL": url + "/eapi",
        "PAPI_URL": url + "/papi",
    }
    return type(f"Sim{client_class.__name__}", (client_class,), attributes)


def wait_until(predicate: Any, timeout_s: float = 5.0, interval_s: float = 0.02) -> bool:
    """Poll ``predicate()`` until it is truthy or the timeout passes; returns the last result."""
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval_s)
