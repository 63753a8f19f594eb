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
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import transaction
from binfolio.adapters.storage.models import (
    BenchmarkEventRow,
    BenchmarkStateRow,
    CashFlowRow,
    RunPriceRow,
    SnapshotRow,
)
from binfolio.config import BenchmarkSettings
from binfolio.domain import benchmark as engine
from binfolio.domain.benchmark import (
    AppliedEvent,
    BasketSpec,
    BenchmarkFlow,
    BenchmarkState,
    EventKey,
    PlannedEvent,
)
from binfolio.domain.clock import to_ms, utc_now
from binfolio.domain.flows import FlowKind
from binfolio.domain.money import ZERO
from binfolio.domain.types import Asset
from binfolio.domain.valuation import exact
from binfolio.services.ledger.kline_prices import PENDING, KlineCloses, KlineSource

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


@dataclass(frozen=True)
class _Start:
    snapshot_id: int
    time: datetime
    nav_usdt: Decimal
    run_id: str


def basket_spec(settings: BenchmarkSettings) -> BasketSpec:
    """The domain basket of a ``[benchmark]`` config section."""
    return BasketSpec({Asset(a): w for a, w in settings.weights.items()}, settings.rebalance_cron)


def flow_ref(cash_flow_id: int) -> str:
    """The event reference of a ledger row; zero-padded so that text order is id order."""
    return f"{cash_flow_id:012d}"


async def update_benchmark(
    factory: sessionmaker[Session],
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
    until = now or utc_now()
    result = BenchmarkUpdate(account_id)
    with factory() as session:
        first = _first_complete(session, account_id)
        if first is None:
            return result
        row = session.get(BenchmarkStateRow, account_id)
        stale = row is not None and (
            row.spec_fingerprint != spec.fingerprint() or row.start_snapshot_id != first.snapshot_id
        )
        closes = KlineCloses(session, klines, now_ms=to_ms(until))
        base_count = row.event_count if row is not None else None
        start_event: AppliedEvent | None = None
        if row is None or rebuild or stale:
            start_event = await _start_event(session, spec, first, closes)
            if start_event is None:
                return _no_start(result, first)
            state = engine.state_after(start_event)
            applied_ids: set[int] = set()
        else:
            state = _state_from_row(row)
            applied_ids = _applied_flow_ids(session, account_id)
        flows, pending_at = _ledger(session, account_id, first.time)
        horizon = (
            until if pending_at is None else min(until, pending_at - timedelta(microseconds=1))
        )
        new_flows = [f for f in flows if int(f.ref) not in applied_ids]
        plan = engine.plan(spec, state, new_flows, horizon)
        if plan.needs_rebuild:
            start_event = await _start_event(session, spec, first, closes)
            if start_event is None:
                return _no_start(result, first)
            state = engine.state_after(start_event)
            plan = engine.plan(spec, state, flows, horizon)
        applied, state, waiting, missing = await _apply_all(spec, state, plan.events, closes)
        session.rollback()
    result.started = start_event is not None and row is None
    result.rebuilt = start_event is not None and row is not None
    result.applied = len(applied)
    result.waiting_since = waiting or pending_at
    result.warnings += [e.warning for e in applied if e.warning]
    if missing:
        result.warnings.append(missing)
    for warning in result.warnings:
        log.warning("benchmark of account %d: %s", account_id, warning)
    with transaction(factory) as session:
        # Row lock on PostgreSQL: two runs updating one benchmark take turns.
        current = session.get(BenchmarkStateRow, account_id, with_for_update=True)
        if (current.event_count if current else None) != base_count:
            # Another process updated this benchmark meanwhile; its result is as good as ours.
            return result
        closes.store(session)
        _write(session, account_id, spec, first, start_event, applied, state, current, until)
    return result


def _no_start(result: BenchmarkUpdate, first: _Start) -> BenchmarkUpdate:
    result.failed = True
    result.warnings.append(f"no basket price at the first complete snapshot ({first.time})")
    log.warning("benchmark of account %d: %s", result.account_id, result.warnings[-1])
    return result


async def _apply_all(
    spec: BasketSpec, state: BenchmarkState, events: list[PlannedEvent], closes: KlineCloses
) -> tuple[list[AppliedEvent], BenchmarkState, datetime | None, str | None]:
    """Apply events until one lacks a price: (applied, state, waiting since, why if for good)."""
    symbols = spec.kline_symbols()
    closes.preload(symbols.values(), [engine.kline_minute_ms(e.time) for e in events])
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
    session: Session, spec: BasketSpec, first: _Start, closes: KlineCloses
) -> AppliedEvent | None:
    """Start at the snapshot's own prices; a basket asset the run did not price uses the kline."""
    prices: dict[Asset, Decimal] = {
        Asset(asset): price
        for asset, price in session.execute(
            select(RunPriceRow.asset, RunPriceRow.price_usdt).where(
                RunPriceRow.run_id == first.run_id, RunPriceRow.asset.in_(spec.assets)
            )
        )
    }
    for asset, symbol in spec.kline_symbols().items():
        if asset not in prices:
            close = await closes.close(symbol, engine.kline_minute_ms(first.time))
            if close is None or close is PENDING:
                return None
            prices[asset] = close
    return engine.start(spec, first.time, first.nav_usdt, prices)


def _first_complete(session: Session, account_id: int) -> _Start | None:
    found = session.execute(
        select(SnapshotRow.id, SnapshotRow.taken_at, SnapshotRow.nav_usdt, SnapshotRow.run_id)
        .where(SnapshotRow.account_id == account_id, SnapshotRow.status == "complete")
        .order_by(SnapshotRow.taken_at, SnapshotRow.id)
        .limit(1)
    ).first()
    if found is None:
        return None
    snapshot_id, taken_at, nav_usdt, run_id = found
    return _Start(snapshot_id, taken_at, nav_usdt if nav_usdt is not None else ZERO, run_id)


def _ledger(
    session: Session, account_id: int, after: datetime
) -> tuple[list[BenchmarkFlow], datetime | None]:
    """Valued flows after the start, and the time of the earliest flow still pending."""
    flows: list[BenchmarkFlow] = []
    pending_at: datetime | None = None
    rows = session.execute(
        select(CashFlowRow.id, CashFlowRow.kind, CashFlowRow.time, CashFlowRow.value_usdt)
        .where(CashFlowRow.account_id == account_id, CashFlowRow.time > after)
        .order_by(CashFlowRow.time, CashFlowRow.id)
    )
    for flow_id, kind, time, value in rows:
        if value is None:
            pending_at = time if pending_at is None else min(pending_at, time)
        elif value > 0:  # an unpriced coin is worth 0 in NAV too: nothing to match
            flows.append(BenchmarkFlow(flow_ref(flow_id), FlowKind(kind), time, value))
    return flows, pending_at


def _applied_flow_ids(session: Session, account_id: int) -> set[int]:
    return set(
        session.scalars(
            select(BenchmarkEventRow.cash_flow_id).where(
                BenchmarkEventRow.account_id == account_id,
                BenchmarkEventRow.cash_flow_id.is_not(None),
            )
        )
    )


def _state_from_row(row: BenchmarkStateRow) -> BenchmarkState:
    return BenchmarkState(
        started_at=row.started_at,
        units={Asset(a): Decimal(u) for a, u in row.units.items()},
        last_key=EventKey(row.last_event_time, row.last_event_rank, row.last_event_ref),
    )


def _write(
    session: Session,
    account_id: int,
    spec: BasketSpec,
    first: _Start,
    start_event: AppliedEvent | None,
    applied: list[AppliedEvent],
    state: BenchmarkState,
    row: BenchmarkStateRow | None,
    now: datetime,
) -> None:
    if start_event is not None:
        session.execute(delete(BenchmarkEventRow).where(BenchmarkEventRow.account_id == account_id))
        seq = 0
        events = [start_event, *applied]
    else:
        seq = row.event_count if row is not None else 0
        events = applied
    session.add_all(_event_row(account_id, seq + i, e) for i, e in enumerate(events))
    if row is None:
        row = BenchmarkStateRow(account_id=account_id)
        session.add(row)
    row.spec_fingerprint = spec.fingerprint()
    row.weights = {a: str(w) for a, w in spec.weights.items()}
    row.rebalance_cron = spec.rebalance_cron
    row.start_snapshot_id = first.snapshot_id
    row.started_at = state.started_at
    row.units = {a: str(u) for a, u in state.units.items()}
    row.last_event_time = state.last_key.time
    row.last_event_rank = state.last_key.rank
    row.last_event_ref = state.last_key.ref
    row.event_count = seq + len(events)
    row.updated_at = now


def _event_row(account_id: int, seq: int, event: AppliedEvent) -> BenchmarkEventRow:
    return BenchmarkEventRow(
        account_id=account_id,
        seq=seq,
        time=event.time,
        kind=event.kind.value,
        cash_flow_id=int(event.flow_ref) if event.flow_ref else None,
        value_usdt=exact(event.value_usdt),
        net_flow_usdt=exact(event.net_flow_usdt),
        units_before={a: str(u) for a, u in event.units_before.items()},
        units_after={a: str(u) for a, u in event.units_after.items()},
        prices={a: str(p) for a, p in event.prices.items()},
        warning=event.warning,
    )
