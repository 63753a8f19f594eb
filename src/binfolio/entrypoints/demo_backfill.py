"""The demo's history: ``days`` of hourly snapshots of every account, in seconds.

Why not simply take a real snapshot run every simulated hour? Measured on a 2-core machine, one
run over the demo's accounts costs 35-45 ms through HTTP (price request, wallet reads, writes),
so 90 days × 24 hours = 2,160 runs would take 80-100 s, far over the 30 s the demo may spend.
Between two events of the story (a deposit, a withdrawal, a trade) an account's holdings do not
change — only prices move — so the backfill reads each account's wallets through the real client
(``services.collect.wallets.read_wallets``) at the start and again only after an event changed
it, and values those holdings every hour with the simulator's own price path through the domain
(``domain.valuation.PriceBook``, ``domain.snapshot.build_snapshot``): the same prices
``/api/v3/ticker/price`` would have answered at that hour. Each hour is stored as a run by the
real run writer (``storage.run_writer``: run record, snapshot, assets, prices), so the
dashboard, ``binfolio report`` and the exports read it like any other history. The backfilled
runs skip the reconciliation against Binance's wallet totals (they have no such request).

Cash flows are not written here: they are in the simulator's deposit and withdrawal history, and
the first live run's ledger sync reads back to the first snapshot, values each flow at its
1-minute kline and brings every benchmark up to date (weekly rebalances from klines), exactly as
after an outage.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from binfolio.bootstrap import make_exchange
from binfolio.domain.clock import from_ms, to_ms
from binfolio.domain.snapshot import Snapshot, WalletRead, build_snapshot
from binfolio.domain.valuation import AssetPrice, PriceBook
from binfolio.entrypoints.demo import HOUR, Demo
from binfolio.entrypoints.demo_story import Event, apply_events, story
from binfolio.services.accounts.registry import ResolvedAccount
from binfolio.services.collect.wallets import read_wallets
from binfolio.services.ports import AccountLine

_READ_DEADLINE_S = 30.0
_ALWAYS_PRICED = ("BTC", "ETH")  # as a real run stores them: the benchmark's start prices


class BackfillError(RuntimeError):
    """An account's wallets could not be read from the simulator (a bug, not a market event)."""


@dataclass(frozen=True)
class Backfilled:
    """What the backfill wrote."""

    runs: int
    snapshots: int
    events: int
    seconds: float


Progress = Callable[[int, int], None]
"""``progress(hours_done, hours_total)``."""


async def backfill(demo: Demo, days: int, progress: Progress | None = None) -> Backfilled:
    """Write ``days × 24 + 1`` hourly runs from the simulator's current (start) time.

    Raises:
        BackfillError: when the simulator refuses to show an account's wallets.
    """
    loop = asyncio.get_running_loop()
    began = loop.time()
    app, sim = demo.app, demo.simulator
    accounts = app.accounts()
    state: Any = sim.app.state.sim
    start, hours = from_ms(sim.now_ms()), days * 24
    due: dict[int, list[Event]] = defaultdict(list)
    events = story(hours)
    for event in events:
        due[event.hour].append(event)
    snapshots = 0
    async with make_exchange(app.settings, len(accounts), limiter=app.limiter) as exchange:
        await exchange.sync_time()

        async def read(account: ResolvedAccount) -> dict[str, WalletRead]:
            async with exchange.account(account.api_key, account.api_secret) as client:
                reads = await read_wallets(
                    client,
                    account.wallets,
                    earn_page_size=100,
                    deadline=loop.time() + _READ_DEADLINE_S,
                    deadline_s=_READ_DEADLINE_S,
                )
            bad = [f"{g}: {r}" for g, r in reads.items() if not isinstance(r, WalletRead)]
            if bad:
                raise BackfillError(f"account {account.name}: " + "; ".join(bad))
            return {g: r for g, r in reads.items() if isinstance(r, WalletRead)}

        holdings = {a.name: await read(a) for a in accounts}
        benchmark_assets = {asset for a in accounts for asset in a.benchmark.weights}
        for hour in range(hours + 1):
            moment = start + hour * HOUR
            if due.get(hour):
                # Admin calls are blocking HTTP: off the loop. The simulator answers at that hour.
                await asyncio.to_thread(sim.set_clock, to_ms(moment))
                changed = await asyncio.to_thread(apply_events, sim, due[hour], moment)
                for name in sorted(changed):
                    account = next(a for a in accounts if a.name == name)
                    holdings[name] = await read(account)
            book = PriceBook(state.market.prices(to_ms(moment)))
            valued = {
                a.name: _valued(holdings[a.name], book, benchmark_assets) for a in accounts
            }
            # One worker-thread call an hour: the loop never waits on SQLite.
            await app.storage.db.call(_write_hour, app, moment, valued)
            snapshots += len(valued)
            if progress is not None:
                progress(hour + 1, hours + 1)
    await asyncio.to_thread(sim.set_clock, to_ms(start + hours * HOUR))
    return Backfilled(hours + 1, snapshots, len(events), loop.time() - began)


def _valued(
    reads: Mapping[str, WalletRead], book: PriceBook, benchmark_assets: set[str]
) -> tuple[Snapshot, list[AssetPrice]]:
    snapshot = build_snapshot(reads, book)
    prices = dict(snapshot.priced_assets)
    for asset in (*_ALWAYS_PRICED, *benchmark_assets):
        prices.setdefault(asset, book.price(asset))
    return snapshot, list(prices.values())


def _write_hour(
    app: Any, moment: datetime, valued: Mapping[str, tuple[Snapshot, Sequence[AssetPrice]]]
) -> None:
    """Store one hour as a complete run, each account in its own transaction as a real run."""
    store = app.storage.run_writer(str(uuid.uuid4()))
    store.start_run(moment, stale_after=timedelta(hours=1), account_names=list(valued))
    lines: dict[str, AccountLine] = {}
    for name, (snapshot, prices) in valued.items():
        lines[name] = AccountLine(snapshot.status.value, 0, 0, (), 0)
        store.write_account(name, moment, snapshot, lines[name], prices)
    store.finish_run(moment, status="complete", requests=0, weight=0, errors=(), detail=lines)
