"""One process's way to Binance: TLS context, connection pools, limiter, server-time offset.

``bootstrap`` builds one :class:`BinanceExchange` per run (``binfolio snapshot``) or per
process (``serve``, where the weight limiter must outlive runs: Binance counts weight per IP per
minute). Services see it through ``services.ports.Exchange``.
"""

from __future__ import annotations

import asyncio
import functools
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

# httpx imports its transport (httpcore, h11, anyio's asyncio backend) on the first request:
# ~0.1-0.3 s of imports inside the event loop, holding up every other task. Import them here,
# where the exchange is built outside any loop.
import anyio._backends._asyncio  # noqa: F401
import h11  # noqa: F401
import httpcore  # noqa: F401
import httpx
from pydantic import SecretStr

from binfolio.adapters.binance.client import BinanceClient
from binfolio.adapters.binance.endpoints import (
    DEPOSIT_HISTORY,
    EARN_FLEXIBLE,
    EARN_LOCKED,
    FUNDING_ASSETS,
    FUTURES_ACCOUNT,
    SERVER_TIME,
    SPOT_ACCOUNT,
    TICKER_PRICES,
    WALLET_BALANCE,
    Endpoint,
    Pool,
)
from binfolio.adapters.binance.limiter import WINDOW_S, PoolKey, WeightLimiter, pool_key
from binfolio.adapters.binance.market import MarketDataClient
from binfolio.adapters.binance.rest import RetryPolicy
from binfolio.adapters.binance.server_time import ServerTimeOffset
from binfolio.adapters.binance.urls import LIVE_FUTURES_URL, LIVE_SPOT_URL
from binfolio.domain.clock import Clock, utc_now

# httpcore's pool scans every connection (some checks quadratic in their number) each time a
# request starts or ends: one pool of 64 connections served 400 requests in 7 s where 16 pools
# of 6 took 0.6 s. So every account in flight gets a small pool of its own, with one connection
# per wallet endpoint it reads at once (spot, funding, two Earn, futures, reconciliation).
CONNECTIONS_PER_POOL = 6

# The IP-weighted reads of one account per wallet group (first page; more pages are rare).
_GROUP_READS: dict[str, tuple[Endpoint, ...]] = {
    "spot": (SPOT_ACCOUNT,),
    "funding": (FUNDING_ASSETS,),
    "earn": (EARN_FLEXIBLE, EARN_LOCKED),
    "futures": (FUTURES_ACCOUNT,),
}
_POOL_NAMES = {
    EARN_FLEXIBLE.path: "Simple Earn flexible positions",
    EARN_LOCKED.path: "Simple Earn locked positions",
    WALLET_BALANCE.path: "wallet balances (reconciliation)",
}


@dataclass(frozen=True)
class Endpoints:
    """Base URLs: live by default; testnet, demo or the simulator by URL."""

    base_url: str = LIVE_SPOT_URL
    futures_base_url: str = LIVE_FUTURES_URL
    # Public prices may come from a market-data-only mirror; default: base_url.
    market_base_url: str | None = None

    @property
    def urls(self) -> tuple[str, ...]:
        """Every base URL in use."""
        return tuple(u for u in (self.base_url, self.futures_base_url, self.market_base_url) if u)


@dataclass(frozen=True)
class Connection:
    """How requests are made (the defaults suit live Binance)."""

    http_timeout_s: float = 10.0
    recv_window_ms: int = 5000
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def tls_context(*urls: str) -> ssl.SSLContext:
    """The TLS context for the pools that talk to ``urls``.

    Loading the CA bundle costs ~50 ms, so the process shares one verifying context. Plain
    ``http://`` endpoints (the simulator) use no TLS: they get a context with no CA
    certificates at all, which would refuse any ``https`` peer, instead of ``verify=False``,
    which costs httpx 4 ms per client to build.
    """
    if all(url.startswith("http://") for url in urls):
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return _verifying_context()


@functools.cache
def _verifying_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def make_http_client(
    timeout_s: float,
    connections: int = CONNECTIONS_PER_POOL,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """A keep-alive ``httpx.AsyncClient`` with a small connection pool."""
    return httpx.AsyncClient(
        timeout=timeout_s,
        verify=verify,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


class BinanceExchange:
    """Pools, limiter, time offset and clients for one run or one long-lived process.

    At most ``slots`` accounts are served at once: :meth:`account` waits for a free pool, which
    bounds the run's concurrency too. Tests inject ``http`` (a transport to the simulator);
    every slot then shares it.
    """

    def __init__(
        self,
        endpoints: Endpoints,
        *,
        slots: int,
        connection: Connection | None = None,
        limiter: WeightLimiter | None = None,
        clock: Clock = utc_now,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.connection = connection or Connection()
        self.limiter = limiter or WeightLimiter()
        self.clock = clock
        self._slots = max(1, slots)
        self._injected = http
        self._verify = tls_context(*endpoints.urls)
        self._pools: list[httpx.AsyncClient] = []
        self._free: asyncio.Queue[httpx.AsyncClient] | None = None
        # Requests are stamped by the wall clock whatever clock stamps the records: a backfill
        # or the demo records simulated market time, but Binance checks signatures against now.
        self.offset = ServerTimeOffset(utc_now)
        self._market: MarketDataClient | None = None

    @property
    def market(self) -> MarketDataClient:
        """The public market-data client (all prices, klines, server time)."""
        if self._market is None:
            self._market = MarketDataClient(
                self._shared_pool(),
                base_url=self.endpoints.market_base_url or self.endpoints.base_url,
                limiter=self.limiter,
                clock=self.clock,
                retry=self.connection.retry,
            )
        return self._market

    @property
    def banned(self) -> Exception | None:
        """The 418 ban in force, if any."""
        return self.limiter.banned

    @property
    def limiter_waits(self) -> int:
        """How often a request waited for Binance's weight limits."""
        return self.limiter.waits

    def time_floor_s(
        self, wallets: list[frozenset[str]], *, reconcile: bool, ledger: bool
    ) -> float:
        """The least time Binance's per-IP limits allow for a run reading these accounts.

        Each pool lets its budget through per sliding minute: a run that needs ``W`` weight
        of a pool with budget ``B`` cannot finish before ``60 × (ceil(W / B) − 1)`` seconds.
        Simple Earn's position endpoints (150 a call, 12,000 a minute each) set it first: about
        72 accounts a minute at our 90% budget; reconciliation (60 a call) about 180.
        """
        needed: dict[PoolKey, int] = {}

        def add(endpoint: Endpoint, times: int = 1) -> None:
            if endpoint.pool is Pool.SAPI_UID:
                return  # counted per account, never shared: no run-wide floor
            key = pool_key(endpoint, "")
            needed[key] = needed.get(key, 0) + endpoint.weight * times

        add(TICKER_PRICES)
        add(SERVER_TIME)
        for groups in wallets:
            for group in groups:
                for endpoint in _GROUP_READS.get(group, ()):
                    add(endpoint)
        if reconcile:
            add(WALLET_BALANCE, len(wallets))
        if ledger:
            add(DEPOSIT_HISTORY, len(wallets))
        floor_s = 0.0
        for key, weight in needed.items():
            budget = self.limiter.budget(key[0])
            floor_s = max(floor_s, WINDOW_S * (-(-weight // budget) - 1))
        return floor_s

    def limit_notes(self) -> list[str]:
        """One line per limit pool that made requests wait, with how long in all."""
        notes = []
        for key, waited_s in sorted(self.limiter.waited_s_by_pool.items()):
            pool, path, _ = key
            name = _POOL_NAMES.get(path, path or pool.value)
            notes.append(f"waited {waited_s:.0f} s in all for Binance's weight limit on {name}")
        return notes

    def waiting_on(self) -> list[str]:
        """The limit pools requests are asleep on right now (for a progress display)."""
        return [
            _POOL_NAMES.get(path, path or pool.value)
            for (pool, path, _), count in self.limiter.waiting.items()
            if count > 0
        ]

    async def sync_time(self) -> None:
        """Measure the offset between our clock and Binance's."""
        await self.offset.sync(self.market)

    @asynccontextmanager
    async def account(
        self, api_key: SecretStr, api_secret: SecretStr
    ) -> AsyncIterator[BinanceClient]:
        """A signed client on a free pool, held for the duration of the ``async with``."""
        free = self._free_pools()
        http = await free.get()
        try:
            yield BinanceClient(
                http,
                base_url=self.endpoints.base_url,
                futures_base_url=self.endpoints.futures_base_url,
                api_key=api_key,
                api_secret=api_secret,
                limiter=self.limiter,
                clock=self.clock,
                recv_window_ms=self.connection.recv_window_ms,
                retry=self.connection.retry,
                time_offset=self.offset,
            )
        finally:
            free.put_nowait(http)

    async def aclose(self) -> None:
        """Close the pools this exchange made (never an injected client)."""
        pools, self._pools, self._free, self._market = self._pools, [], None, None
        for pool in pools:
            await pool.aclose()

    async def __aenter__(self) -> BinanceExchange:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def _new_pool(self) -> httpx.AsyncClient:
        if self._injected is not None:
            return self._injected
        pool = make_http_client(self.connection.http_timeout_s, verify=self._verify)
        self._pools.append(pool)
        return pool

    def _shared_pool(self) -> httpx.AsyncClient:
        """The first pool: public requests ride along with the first account's."""
        return self._pools[0] if self._pools else self._new_pool()

    def _free_pools(self) -> asyncio.Queue[httpx.AsyncClient]:
        if self._free is None:
            self._free = asyncio.Queue()
            self._free.put_nowait(self._shared_pool())
            for _ in range(self._slots - 1):
                self._free.put_nowait(self._new_pool())
        return self._free
