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
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from binfolio.bootstrap import App
from binfolio.domain.clock import from_ms, to_ms
from binfolio.domain.snapshot import Snapshot, WalletRead, build_snapshot
from binfolio.domain.valuation import AssetPrice, PriceBook
from binfolio.entrypoints.demo import HOUR, Demo
from binfolio.entrypoints.demo_story import Event, apply_events, story
from binfolio.errors import BinfolioError
from binfolio.services.accounts.registry import ResolvedAccount
from binfolio.services.collect.wallets import read_wallets
from binfolio.services.ports import AccountLine
from binfolio.simulator.catalogue import SYMBOLS

_READ_DEADLINE_S = 30.0
_ALWAYS_PRICED = ("BTC", "ETH")  # as a real run stores them: the benchmark's start prices


class BackfillError(BinfolioError, RuntimeError):
    """An account's wallets could not be read from the simulator (a bug, not a market event)."""


@dataclass(frozen=True)
class Backfilled:
    """What the backfill wrote."""

    runs: int
    snapshots: int
    events: int
    seconds: float
    last: Mapping[str, Snapshot]
    """Each account's snapshot of the last hour."""


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
    accounts = await asyncio.to_thread(app.accounts)
    state: Any = sim.app.state.sim  # in process: the demo started this simulator
    start, hours = from_ms(state.clock.now_ms()), days * 24
    due: dict[int, list[Event]] = defaultdict(list)
    events = story(hours)
    for event in events:
        due[event.hour].append(event)
    snapshots = 0
    valued: dict[str, tuple[Snapshot, list[AssetPrice]]] = {}
    async with app.exchange(len(accounts)) as exchange:
        await exchange.sync_time()

        async def read(
            account: ResolvedAccount, groups: Collection[str] | None = None
        ) -> dict[str, WalletRead]:
            # Only the wallets an event changed: each Simple Earn position read weighs 150 of the
            # /sapi IP budget, 72 reads a minute (docs/binance.md, "Limits of one IP"); reading
            # every wallet after every trade made the limiter wait 60 s of a 30-day backfill.
            wanted = account.wallets if groups is None else account.wallets & set(groups)
            async with exchange.account(account.api_key, account.api_secret) as client:
                reads = await read_wallets(
                    client,
                    wanted,
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
        symbols = _symbols_for(holdings, benchmark_assets)
        for hour in range(hours + 1):
            moment = start + hour * HOUR
            if due.get(hour):
                # Admin calls are blocking HTTP: off the loop. The simulator answers at that hour.
                await asyncio.to_thread(sim.set_clock, to_ms(moment))
                changed = await asyncio.to_thread(apply_events, sim, due[hour], moment)
                for name, groups in sorted(changed.items()):
                    account = next(a for a in accounts if a.name == name)
                    holdings[name] = {**holdings[name], **await read(account, groups)}
                symbols = _symbols_for(holdings, benchmark_assets)
            book = PriceBook({s: state.market.price(s, to_ms(moment)) for s in symbols})
            valued = {a.name: _valued(holdings[a.name], book, benchmark_assets) for a in accounts}
            # One worker-thread call an hour: the loop never waits on SQLite.
            await app.storage.db.call(_write_hour, app, moment, valued)
            snapshots += len(valued)
            if progress is not None:
                progress(hour + 1, hours + 1)
    await asyncio.to_thread(sim.set_clock, to_ms(start + hours * HOUR))
    last = {name: snapshot for name, (snapshot, _) in valued.items()}
    return Backfilled(hours + 1, snapshots, len(events), loop.time() - began, last)


def _symbols_for(
    holdings: Mapping[str, Mapping[str, WalletRead]], benchmark_assets: set[str]
) -> list[str]:
    """The symbols the valuation rule can look at for these assets (``domain/valuation.py``:
    ``XUSDT``, ``XBTC``, ``XETH``, ``USDTX``). Pricing all 22 simulated symbols every hour cost
    10 ms an hour, 21 s of a 90-day backfill; the prices of these are the same either way."""
    assets = {"BTC", "ETH", *benchmark_assets}
    for reads in holdings.values():
        for read in reads.values():
            assets.update(h.asset for h in read.holdings)
    return [
        spec.symbol
        for spec in SYMBOLS
        if spec.base in assets or (spec.base == "USDT" and spec.quote in assets)
    ]


def _valued(
    reads: Mapping[str, WalletRead], book: PriceBook, benchmark_assets: set[str]
) -> tuple[Snapshot, list[AssetPrice]]:
    snapshot = build_snapshot(reads, book)
    prices = dict(snapshot.priced_assets)
    for asset in (*_ALWAYS_PRICED, *benchmark_assets):
        prices.setdefault(asset, book.price(asset))
    return snapshot, list(prices.values())


def _write_hour(
    app: App, moment: datetime, valued: Mapping[str, tuple[Snapshot, Sequence[AssetPrice]]]
) -> None:
    """Store one hour as a complete run, each account in its own transaction as a real run."""
    store = app.storage.run_writer(str(uuid.uuid4()))
    store.start_run(moment, stale_after=timedelta(hours=1), account_names=list(valued))
    lines: dict[str, AccountLine] = {}
    for name, (snapshot, prices) in valued.items():
        lines[name] = AccountLine(snapshot.status.value, 0, 0, (), 0)
        store.write_account(name, moment, snapshot, lines[name], prices)
    store.finish_run(moment, status="complete", requests=0, weight=0, errors=(), detail=lines)
