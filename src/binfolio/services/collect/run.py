"""One snapshot run: every account, every wallet, valued from one shared price request.

The run: (1) one all-prices request and one server-time sync for everybody; (2) accounts
concurrently, at most ``concurrency`` at a time, each reading its wallets concurrently; (3) per
account, one transaction with its snapshot. One deadline covers the whole run. A wallet that
fails makes its snapshot partial; an account that fails never holds up the others; a 418 stops
everything, because every further request would lengthen the ban.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from functools import partial

import httpx
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.binance.client import BinanceClient
from binfolio.adapters.binance.errors import BinanceBannedError, BinanceError
from binfolio.adapters.binance.limiter import WeightLimiter
from binfolio.adapters.binance.market import MarketDataClient
from binfolio.adapters.binance.server_time import ServerTimeOffset
from binfolio.adapters.storage.snapshot_store import AccountLine, SnapshotStore
from binfolio.domain.clock import Clock, utc_now
from binfolio.domain.snapshot import SnapshotStatus
from binfolio.domain.valuation import PriceBook
from binfolio.services.collect.account import (
    AccountJob,
    ReadAccount,
    not_collected,
    read_account,
    save_account,
    save_failed,
    store_call,
)
from binfolio.services.collect.options import (
    AccountTarget,
    CollectOptions,
    Endpoints,
    FlowContext,
    FlowHook,
)
from binfolio.services.collect.results import AccountResult, RunResult

log = logging.getLogger(__name__)

__all__ = [
    "AccountTarget",
    "CollectOptions",
    "Endpoints",
    "FlowContext",
    "FlowHook",
    "collect",
    "make_http_client",
]


# httpcore's pool scans every connection (some checks quadratic in their number) each time a
# request starts or ends: one pool of 64 connections served 400 requests in 7 s where 16 pools
# of 6 took 0.6 s. So every account in flight gets a small pool of its own, with one connection
# per wallet endpoint it reads at once (spot, funding, two Earn, futures, reconciliation).
CONNECTIONS_PER_POOL = 6


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


async def collect(
    targets: Sequence[AccountTarget],
    *,
    endpoints: Endpoints,
    session_factory: sessionmaker[Session],
    options: CollectOptions | None = None,
    clock: Clock = utc_now,
    http: httpx.AsyncClient | None = None,
    limiter: WeightLimiter | None = None,
) -> RunResult:
    """Take one snapshot of every target and store it.

    Args:
        targets: the accounts (distinct names).
        endpoints: where Binance (or the simulator) is.
        session_factory: the database.
        options: deadline, concurrency, reconciliation, hooks.
        clock: the UTC clock (injected in tests).
        http: one ``httpx.AsyncClient`` for every request (tests inject a transport here);
            when omitted, the run makes small pools, one per account in flight, and closes them.
        limiter: a limiter that outlives the run (``serve``); a fresh one when omitted.

    Raises:
        SQLAlchemyError: when the run record itself cannot be written (per-account write
            failures are reported on the account instead).
    """
    options = options or CollectOptions()
    slots = max(1, min(options.concurrency, len(targets)))
    if http is not None:
        pools = [http] * slots
    else:
        urls = (endpoints.base_url, endpoints.futures_base_url, endpoints.market_base_url or "")
        verify = tls_context(*(u for u in urls if u))
        pools = [make_http_client(options.http_timeout_s, verify=verify) for _ in range(slots)]
    try:
        return await _Run(targets, endpoints, session_factory, options, clock, pools, limiter).go()
    finally:
        if http is None:
            for pool in pools:
                await pool.aclose()


class _Run:
    def __init__(
        self,
        targets: Sequence[AccountTarget],
        endpoints: Endpoints,
        factory: sessionmaker[Session],
        options: CollectOptions,
        clock: Clock,
        pools: Sequence[httpx.AsyncClient],
        limiter: WeightLimiter | None,
    ) -> None:
        self.targets, self.endpoints, self.options, self.clock = targets, endpoints, options, clock
        self.pools = pools
        self.limiter = limiter or WeightLimiter()
        self.run_id = str(uuid.uuid4())
        self.store = SnapshotStore(factory, self.run_id)
        # Requests are stamped by the wall clock whatever clock stamps the records: a backfill or
        # the demo records simulated market time, but Binance checks signatures against now.
        self.offset = ServerTimeOffset(utc_now)
        self.market = MarketDataClient(
            pools[0],
            base_url=endpoints.market_base_url or endpoints.base_url,
            limiter=self.limiter,
            clock=clock,
            retry=options.retry,
        )
        self.errors: list[str] = []
        self.write_lock = asyncio.Lock()

    async def go(self) -> RunResult:
        started_at, started = self.clock(), time.perf_counter()
        deadline = asyncio.get_running_loop().time() + self.options.deadline_s
        start = partial(
            self.store.start_run,
            started_at,
            stale_after=timedelta(seconds=max(600.0, 2 * self.options.deadline_s)),
            account_names=[t.name for t in self.targets],
        )
        # The price request goes out first; the run record is written while it travels.
        prices = asyncio.create_task(self._prices(deadline))
        await asyncio.sleep(0)
        try:
            await store_call(self.store, start)
        except BaseException:
            prices.cancel()
            raise
        book = await prices
        # One pool per account in flight: taking a free one bounds the concurrency too.
        free: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
        for pool in self.pools:
            free.put_nowait(pool)

        async def one(target: AccountTarget) -> AccountResult:
            http = await free.get()
            try:
                read = await self._account(target, http, book, deadline)
            finally:
                free.put_nowait(http)
            if isinstance(read, AccountResult):
                return read
            try:
                return await save_account(read)
            except Exception as exc:  # a bug must not sink the other accounts
                log.exception("account %s: saving failed", target.name)
                return not_collected(target.name, f"not saved: {type(exc).__name__}: {exc}")

        results = await asyncio.gather(*(one(t) for t in self.targets))
        banned = self.limiter.banned
        if banned is not None and str(banned) not in self.errors:
            self.errors.append(str(banned))
        status = _run_status([r.status for r in results])
        requests = self.market.stats.requests + sum(r.requests for r in results)
        weight = self.market.stats.weight + sum(r.weight for r in results)
        finished_at = started_at + timedelta(seconds=time.perf_counter() - started)
        finish = partial(
            self.store.finish_run,
            finished_at,
            status=status,
            requests=requests,
            weight=weight,
            errors=self.errors,
            detail={r.account: _line(r) for r in results},
        )
        await store_call(self.store, finish)
        return RunResult(
            run_id=self.run_id,
            started_at=started_at,
            finished_at=finished_at,
            status=status,
            accounts=tuple(results),
            requests=requests,
            weight=weight,
            price_requests=1,
            errors=tuple(self.errors),
            banned_until=banned.until if banned else None,
            banned=banned is not None,
            limiter_waits=self.limiter.waits,
        )

    async def _prices(self, deadline: float) -> PriceBook | None:
        """The run's one all-prices request, with the server-time sync beside it."""
        try:
            async with asyncio.timeout_at(deadline):
                prices, _ = await asyncio.gather(
                    self.market.ticker_prices(), self.offset.sync(self.market)
                )
        except BinanceBannedError as exc:
            self.errors.append(str(exc))
            return None
        except BinanceError as exc:
            self.errors.append(f"prices unavailable, nothing can be valued: {exc}")
            return None
        except TimeoutError:
            self.errors.append("prices unavailable: run deadline reached")
            return None
        return PriceBook(prices)

    async def _account(
        self,
        target: AccountTarget,
        http: httpx.AsyncClient,
        book: PriceBook | None,
        deadline: float,
    ) -> AccountResult | ReadAccount:
        if book is None or self.limiter.banned is not None:
            reason = str(self.limiter.banned) if self.limiter.banned else self.errors[-1]
            return await self._save_failed(target.name, f"not collected: {reason}")
        job = AccountJob(
            name=target.name,
            client=BinanceClient(
                http,
                base_url=self.endpoints.base_url,
                futures_base_url=self.endpoints.futures_base_url,
                api_key=target.api_key,
                api_secret=target.api_secret,
                limiter=self.limiter,
                clock=self.clock,
                recv_window_ms=self.options.recv_window_ms,
                retry=self.options.retry,
                time_offset=self.offset,
            ),
            wallets=target.wallets,
            book=book,
            run_id=self.run_id,
            store=self.store,
            write_lock=self.write_lock,
        )
        try:
            return await read_account(job, self.options, deadline, self.clock)
        except Exception as exc:  # a bug or a dead database must not sink the other accounts
            log.exception("account %s: collection failed", target.name)
            return not_collected(target.name, f"collection failed: {type(exc).__name__}: {exc}")

    async def _save_failed(self, name: str, reason: str) -> AccountResult:
        return await save_failed(self.store, self.write_lock, name, self.clock(), reason)


def _line(result: AccountResult) -> AccountLine:
    return AccountLine(
        result.status.value, result.requests, result.weight, result.errors, result.duration_ms
    )


def _run_status(statuses: Sequence[SnapshotStatus]) -> str:
    if statuses and all(s is SnapshotStatus.COMPLETE for s in statuses):
        return "complete"
    if statuses and all(s is SnapshotStatus.FAILED for s in statuses):
        return "failed"
    return "partial" if statuses else "complete"
