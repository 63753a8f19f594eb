"""Plugs the ledger into a collection run and brings the benchmarks up to date after it.

``binfolio snapshot`` and ``serve`` wire it like this (``services.collect.job``)::

    options = CollectOptions(..., flow_hook=ledger_flow_hook(storage, overlap=window))
    result = await collect(targets, ..., storage=storage, options=options)
    await update_benchmarks(storage, specs, klines=market_client, now=result.started_at)

The hook reads an account's history and values its flows while the run is fetching (no
connection held across a request), and hands back a :class:`LedgerUpdate` that the collector
writes inside the account's snapshot transaction, so a snapshot and its flows are stored
together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from binfolio.domain.benchmark import BasketSpec
from binfolio.services.benchmark.update import BenchmarkUpdate, update_many
from binfolio.services.collect.options import FlowContext
from binfolio.services.ledger.flow_prices import routes_in
from binfolio.services.ledger.kline_prices import KlineSource
from binfolio.services.ledger.sync import DEFAULT_OVERLAP, fetch_cash_flows
from binfolio.services.ports import LedgerUpdate, Storage

log = logging.getLogger(__name__)


def ledger_flow_hook(
    storage: Storage, *, overlap: timedelta = DEFAULT_OVERLAP
) -> Callable[[FlowContext], Awaitable[LedgerUpdate | None]]:
    """A ``CollectOptions.flow_hook`` that syncs each account's cash-flow ledger.

    The run's price book lists the pairs, so no kline is requested for a pair Binance does not
    list. Every listed route is offered in the rule's order: a pair with no kline yet at a
    flow's time (listed since) gives way to the next route instead of leaving the flow at 0.
    """

    async def hook(context: FlowContext) -> LedgerUpdate | None:
        account_id = await storage.db.call(storage.ledger.account_id, context.account)
        batch = await fetch_cash_flows(
            storage,
            account_id=account_id,
            history=context.client,
            klines=context.client,
            symbols=routes_in(context.prices.symbols),
            now=context.taken_at,
            overlap=overlap,
        )
        return batch.update

    return hook


async def update_benchmarks(
    storage: Storage,
    specs: Mapping[str, BasketSpec],
    *,
    klines: KlineSource | None,
    now: datetime,
) -> dict[str, BenchmarkUpdate]:
    """Bring the benchmark of every named account up to ``now``; failures are logged, not raised.

    A benchmark that cannot move on (no network, a kline not closed yet) simply waits for the
    next run; it is derived data and never blocks collection.
    """
    ids = await storage.db.call(storage.account_ids, list(specs))
    by_id = {ids[name]: spec for name, spec in specs.items() if name in ids}
    names = {account_id: name for name, account_id in ids.items()}
    try:
        results = await update_many(storage, by_id, klines=klines, now=now)
    except Exception:  # derived data: a failure here must not fail the run
        log.exception("benchmarks could not be updated; the next run tries again")
        return {}
    return {names[r.account_id]: r for r in results}
