"""Keep each account's benchmark up to date: incrementally after a run, or rebuilt from scratch.

Inputs are stored data only: the account's first complete snapshot (NAV and the run's prices),
the ledger's valued flows, and 1-minute kline closes (cached in ``kline_prices``; fetched when
missing and a kline source is given). The cached state (``benchmark_states``) and the audit rows
(``benchmark_events``) are outputs, recomputed in full when

- the basket's weights or schedule changed (fingerprint),
- the first complete snapshot changed, or
- a flow arrived that sorts before the last applied event (a late deposit before a rebalance).

Events stop at the first one whose prices are not final yet (a pending flow, or a kline that
has not closed): the next run continues from there, so incremental and rebuilt states agree.
An update reads its inputs in one store call, computes, and writes in another: no database
connection is held while klines are fetched.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from binfolio.config import BenchmarkSettings
from binfolio.domain import benchmark as engine
from binfolio.domain.benchmark import (
    AppliedEvent,
    BasketSpec,
    BenchmarkState,
    PlannedEvent,
)
from binfolio.domain.clock import to_ms, utc_now
from binfolio.domain.types import Asset
from binfolio.services.ledger.kline_prices import PENDING, KlineCloses, KlineSource
from binfolio.services.ports import BenchmarkInputs, BenchmarkStart, BenchmarkWrite, Storage

log = logging.getLogger(__name__)


@dataclass
class BenchmarkUpdate:
    """What one update did."""

    account_id: int
    started: bool = False
    rebuilt: bool = False
    applied: int = 0
    # True when the benchmark could not even start (no basket price at the first snapshot).
    failed: bool = False
    waiting_since: datetime | None = None
    warnings: list[str] = field(default_factory=list)


def basket_spec(settings: BenchmarkSettings) -> BasketSpec:
    """The domain basket of a ``[benchmark]`` config section."""
    return BasketSpec({Asset(a): w for a, w in settings.weights.items()}, settings.rebalance_cron)


async def update_benchmark(
    storage: Storage,
    *,
    account_id: int,
    spec: BasketSpec,
    klines: KlineSource | None,
    now: datetime | None = None,
    rebuild: bool = False,
) -> BenchmarkUpdate:
    """Apply the account's new events up to ``now`` (or recompute all with ``rebuild``).

    Raises:
        Exception: whatever the kline source raises (nothing is written then).
    """
    [result] = await update_many(
        storage, {account_id: spec}, klines=klines, now=now, rebuild=rebuild
    )
    return result


async def update_many(
    storage: Storage,
    specs: Mapping[int, BasketSpec],
    *,
    klines: KlineSource | None,
    now: datetime | None = None,
    rebuild: bool = False,
) -> list[BenchmarkUpdate]:
    """Update the benchmarks of many accounts: one read, the arithmetic, one write.

    A run of hundreds of accounts would otherwise pay a read and a write transaction per
    account; here the stores answer for all of them at once (``BenchmarkStore``).

    Raises:
        Exception: whatever the kline source raises (nothing is written then).
    """
    until = now or utc_now()
    loaded = await storage.db.call(storage.benchmarks.load_many, dict(specs))
    closes = KlineCloses(storage.klines, storage.db, klines, now_ms=to_ms(until))
    results: list[BenchmarkUpdate] = []
    writes: list[BenchmarkWrite] = []
    for account_id, spec in specs.items():
        inputs = loaded.get(account_id)
        result = BenchmarkUpdate(account_id)
        results.append(result)
        if inputs is not None:
            write = await _compute(result, inputs, spec, closes, until, rebuild=rebuild)
            if write is not None:
                writes.append(write)
    if writes:
        await storage.db.call(storage.benchmarks.save_many, writes, dict(closes.fresh))
    return results


async def _compute(
    result: BenchmarkUpdate,
    inputs: BenchmarkInputs,
    spec: BasketSpec,
    closes: KlineCloses,
    until: datetime,
    *,
    rebuild: bool,
) -> BenchmarkWrite | None:
    """The account's new events and state; None when the benchmark cannot start yet."""
    first, stored = inputs.start, inputs.stored
    stale = stored is not None and (
        stored.fingerprint != spec.fingerprint() or stored.start_snapshot_id != first.snapshot_id
    )
    start_event: AppliedEvent | None = None
    if stored is None or rebuild or stale:
        start_event = await _start_event(spec, first, inputs.start_prices, closes)
        if start_event is None:
            _no_start(result, first)
            return None
        state = engine.state_after(start_event)
        applied_ids: set[int] = set()
    else:
        state = stored.state
        applied_ids = inputs.applied_flow_ids
    pending_at = inputs.pending_at
    horizon = until if pending_at is None else min(until, pending_at - timedelta(microseconds=1))
    new_flows = [f for f in inputs.flows if int(f.ref) not in applied_ids]
    plan = engine.plan(spec, state, new_flows, horizon)
    if plan.needs_rebuild:
        start_event = await _start_event(spec, first, inputs.start_prices, closes)
        if start_event is None:
            _no_start(result, first)
            return None
        state = engine.state_after(start_event)
        plan = engine.plan(spec, state, inputs.flows, horizon)
    applied, state, waiting, missing = await _apply_all(spec, state, plan.events, closes)
    result.started = start_event is not None and stored is None
    result.rebuilt = start_event is not None and stored is not None
    result.applied = len(applied)
    result.waiting_since = waiting or pending_at
    result.warnings += [e.warning for e in applied if e.warning]
    if missing:
        result.warnings.append(missing)
    for warning in result.warnings:
        log.warning("benchmark of account %d: %s", result.account_id, warning)
    return BenchmarkWrite(
        account_id=result.account_id,
        spec=spec,
        start=first,
        start_event=start_event,
        applied=applied,
        state=state,
        now=until,
        base_count=stored.event_count if stored is not None else None,
    )


def _no_start(result: BenchmarkUpdate, first: BenchmarkStart) -> BenchmarkUpdate:
    result.failed = True
    result.warnings.append(f"no basket price at the first complete snapshot ({first.time})")
    log.warning("benchmark of account %d: %s", result.account_id, result.warnings[-1])
    return result


async def _apply_all(
    spec: BasketSpec, state: BenchmarkState, events: list[PlannedEvent], closes: KlineCloses
) -> tuple[list[AppliedEvent], BenchmarkState, datetime | None, str | None]:
    """Apply events until one lacks a price: (applied, state, waiting since, why if for good)."""
    symbols = spec.kline_symbols()
    await closes.preload(symbols.values(), [engine.kline_minute_ms(e.time) for e in events])
    applied: list[AppliedEvent] = []
    for event in events:
        minute = engine.kline_minute_ms(event.time)
        prices: dict[Asset, Decimal] = {}
        for asset, symbol in symbols.items():
            close = await closes.close(symbol, minute)
            if close is PENDING:
                return applied, state, event.time, None
            if close is None:
                # No kline of the symbol at or before that minute: waiting will not help.
                return applied, state, event.time, f"no {symbol} price at {event.time}"
            prices[asset] = close
        state, done = engine.apply(spec, state, event, prices)
        applied.append(done)
    return applied, state, None, None


async def _start_event(
    spec: BasketSpec, first: BenchmarkStart, run_prices: dict[Asset, Decimal], closes: KlineCloses
) -> AppliedEvent | None:
    """Start at the snapshot's own prices; a basket asset the run did not price uses the kline."""
    prices = dict(run_prices)
    for asset, symbol in spec.kline_symbols().items():
        if asset not in prices:
            close = await closes.close(symbol, engine.kline_minute_ms(first.time))
            if close is None or close is PENDING:
                return None
            prices[asset] = close
    return engine.start(spec, first.time, first.nav_usdt, prices)
