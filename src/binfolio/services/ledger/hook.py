"""Plugs the ledger into a collection run and brings the benchmarks up to date after it.

``binfolio snapshot`` and ``serve`` wire it like this::

    options = CollectOptions(..., flow_hook=ledger_flow_hook(factory, overlap=window))
    result = await collect(targets, ..., options=options)
    await update_benchmarks(factory, specs, klines=market_client, now=result.started_at)

The hook reads an account's history and values its flows while the run is fetching (no
transaction held), and hands back a writer that the collector runs inside the account's
snapshot transaction, so a snapshot and its flows are stored together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.models import AccountRow
from binfolio.adapters.storage.snapshot_store import FlowWriter
from binfolio.domain.benchmark import BasketSpec
from binfolio.services.benchmark.update import BenchmarkUpdate, update_benchmark
from binfolio.services.collect.run import FlowContext
from binfolio.services.ledger.flow_prices import routes_in
from binfolio.services.ledger.kline_prices import KlineSource
from binfolio.services.ledger.sync import DEFAULT_OVERLAP, fetch_cash_flows

log = logging.getLogger(__name__)


def ledger_flow_hook(
    factory: sessionmaker[Session], *, overlap: timedelta = DEFAULT_OVERLAP
) -> Callable[[FlowContext], Awaitable[FlowWriter | None]]:
    """A ``CollectOptions.flow_hook`` that syncs each account's cash-flow ledger.

    The run's price book lists the pairs, so no kline is requested for a pair Binance does not
    list. Every listed route is offered in the rule's order: a pair with no kline yet at a
    flow's time (listed since) gives way to the next route instead of leaving the flow at 0.
    """

    async def hook(context: FlowContext) -> FlowWriter | None:
        with factory() as session:
            account_id = session.scalar(
                select(AccountRow.id).where(AccountRow.name == context.account)
            )
        batch = await fetch_cash_flows(
            factory,
            account_id=account_id,
            history=context.client,
            klines=context.client,
            symbols=routes_in(context.prices.symbols),
            now=context.taken_at,
            overlap=overlap,
        )
        return batch.write

    return hook


async def update_benchmarks(
    factory: sessionmaker[Session],
    specs: Mapping[str, BasketSpec],
    *,
    klines: KlineSource | None,
    now: datetime,
) -> dict[str, BenchmarkUpdate]:
    """Bring the benchmark of every named account up to ``now``; failures are logged, not raised.

    A benchmark that cannot move on (no network, a kline not closed yet) simply waits for the
    next run; it is derived data and never blocks collection.
    """
    with factory() as session:
        ids = dict(
            session.execute(
                select(AccountRow.name, AccountRow.id).where(AccountRow.name.in_(list(specs)))
            ).all()
        )
    updates: dict[str, BenchmarkUpdate] = {}
    for name, spec in specs.items():
        if name not in ids:
            continue
        try:
            updates[name] = await update_benchmark(
                factory, account_id=ids[name], spec=spec, klines=klines, now=now
            )
        except Exception:  # derived data: a failure here must not fail the run
            log.exception("benchmark of account %s could not be updated", name)
    return updates
