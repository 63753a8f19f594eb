"""One snapshot run: every account, every wallet, valued from one shared price request.

The run: (1) one all-prices request and one server-time sync for everybody; (2) accounts
concurrently, at most ``concurrency`` at a time, each reading its wallets concurrently; (3) per
account, one transaction with its snapshot. One deadline covers the whole run. A wallet that
fails makes its snapshot partial; an account that fails never holds up the others; a 418 stops
everything, because every further request would lengthen the ban.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import timedelta
from functools import partial

from binfolio.adapters.binance.errors import BinanceBannedError, BinanceError
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
)
from binfolio.services.collect.options import AccountTarget, CollectOptions
from binfolio.services.collect.results import AccountResult, RunResult
from binfolio.services.ports import AccountLine, AccountReader, Exchange, Storage

log = logging.getLogger(__name__)


async def collect(
    targets: Sequence[AccountTarget],
    *,
    exchange: Exchange,
    storage: Storage,
    options: CollectOptions | None = None,
    clock: Clock = utc_now,
    on_account: Callable[[AccountResult], None] | None = None,
) -> RunResult:
    """Take one snapshot of every target and store it.

    Args:
        targets: the accounts (distinct names).
        exchange: Binance (pools, limiter, time offset); at most as many accounts are read at
            once as it has pools.
        storage: the database; every call runs in its worker threads.
        options: deadline, reconciliation, hooks.
        clock: the UTC clock (injected in tests).
        on_account: called as each account is done (progress display).

    Raises:
        StorageError: when the run record itself cannot be written (per-account write
            failures are reported on the account instead).
    """
    options = options or CollectOptions()
    # Binance's per-IP limits decide how fast many accounts can be read (Simple Earn: about
    # 72 accounts a minute); the deadline grows by that floor, so that a big run waits for
    # the limits instead of timing out (docs/binance.md, "Limits of one IP").
    floor_s = exchange.time_floor_s(
        [t.wallets for t in targets],
        reconcile=options.reconcile,
        ledger=options.flow_hook is not None,
    )
    options = replace(options, deadline_s=options.deadline_s + floor_s)
    return await _Run(targets, exchange, storage, options, clock, on_account, floor_s).go()


class _Run:
    def __init__(
        self,
        targets: Sequence[AccountTarget],
        exchange: Exchange,
        storage: Storage,
        options: CollectOptions,
        clock: Clock,
        on_account: Callable[[AccountResult], None] | None,
        floor_s: float,
    ) -> None:
        self.floor_s = floor_s
        self.targets, self.exchange, self.options, self.clock = targets, exchange, options, clock
        self.db = storage.db
        self.on_account = on_account
        self.run_id = str(uuid.uuid4())
        self.store = storage.run_writer(self.run_id)
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
            await self.db.call(start)
        except BaseException:
            prices.cancel()
            raise
        book = await prices
        results = await asyncio.gather(*(self._one(t, book, deadline) for t in self.targets))
        banned = self.exchange.banned
        if banned is not None and str(banned) not in self.errors:
            self.errors.append(str(banned))
        status = _run_status([r.status for r in results])
        market = self.exchange.market.stats
        requests = market.requests + sum(r.requests for r in results)
        weight = market.weight + sum(r.weight for r in results)
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
        await self.db.call(finish)
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
            banned_until=banned.until if isinstance(banned, BinanceBannedError) else None,
            banned=banned is not None,
            limiter_waits=self.exchange.limiter_waits,
            limit_floor_s=self.floor_s,
            limit_notes=tuple(self.exchange.limit_notes()),
        )

    async def _prices(self, deadline: float) -> PriceBook | None:
        """The run's one all-prices request, with the server-time sync beside it."""
        try:
            async with asyncio.timeout_at(deadline):
                prices, _ = await asyncio.gather(
                    self.exchange.market.ticker_prices(), self.exchange.sync_time()
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

    async def _one(
        self, target: AccountTarget, book: PriceBook | None, deadline: float
    ) -> AccountResult:
        result = await self._collect_one(target, book, deadline)
        if self.on_account is not None:
            self.on_account(result)
        return result

    async def _collect_one(
        self, target: AccountTarget, book: PriceBook | None, deadline: float
    ) -> AccountResult:
        if book is None:
            return await self._save_failed(target.name, f"not collected: {self.errors[-1]}")
        # Taking a free pool bounds how many accounts are read at once; storing does not
        # hold one, so a slow write never keeps the next account from starting.
        async with self.exchange.account(target.api_key, target.api_secret) as client:
            # Checked once a pool is free: a ban may have come while this account waited.
            banned = self.exchange.banned
            read = (
                await self._save_failed(target.name, f"not collected: {banned}")
                if banned is not None
                else await self._read(target, client, book, deadline)
            )
        if isinstance(read, AccountResult):
            return read
        try:
            return await save_account(read)
        except Exception as exc:  # a bug must not sink the other accounts
            log.exception("account %s: saving failed", target.name)
            return not_collected(target.name, f"not saved: {type(exc).__name__}: {exc}")

    async def _read(
        self, target: AccountTarget, client: AccountReader, book: PriceBook, deadline: float
    ) -> AccountResult | ReadAccount:
        job = AccountJob(
            name=target.name,
            client=client,
            wallets=target.wallets,
            book=book,
            run_id=self.run_id,
            store=self.store,
            db=self.db,
            write_lock=self.write_lock,
        )
        try:
            return await read_account(job, self.options, deadline, self.clock)
        except Exception as exc:  # a bug or a dead database must not sink the other accounts
            log.exception("account %s: collection failed", target.name)
            return not_collected(target.name, f"collection failed: {type(exc).__name__}: {exc}")

    async def _save_failed(self, name: str, reason: str) -> AccountResult:
        return await save_failed(self.store, self.db, self.write_lock, name, self.clock(), reason)


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
