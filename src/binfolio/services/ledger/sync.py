"""The cash-flow ledger: read Binance's deposit and withdrawal history into ``cash_flows``.

Every run re-reads an overlapping window instead of advancing a high-water mark:
a deposit still pending at one run has an ``insertTime`` before that run and would never be read
again otherwise. The window reaches back ``overlap`` (default 7 days) before the end of the last
window read, so an outage longer than the overlap is caught up too; the first run reads back to
the benchmark start (the account's first complete snapshot). Binance wants spans under 90 days,
so windows are cut into 89-day chunks (the client pages within a chunk).

Final flows are inserted if absent (``UNIQUE(account_id, kind, binance_id)``), each valued at the
close of the 1-minute kline containing its time, through the valuation rule (:mod:`flow_prices`).
Flows stored ``pending`` or ``unpriced`` are valued again whenever the window re-reads them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from binfolio.domain.benchmark import kline_minute_ms
from binfolio.domain.clock import to_ms, utc_now
from binfolio.domain.flows import CashFlow, parse_deposit, parse_withdrawal
from binfolio.services.ledger.flow_prices import (
    PENDING_SOURCE,
    UNPRICED,
    Routes,
    price_flow,
    routes_in,
)
from binfolio.services.ledger.kline_prices import KlineCloses, KlineSource
from binfolio.services.ports import LedgerUpdate, Storage

log = logging.getLogger(__name__)

DEFAULT_OVERLAP = timedelta(days=7)
# Binance: "time between startTime and endTime must be less than 90 days".
CHUNK = timedelta(days=89)
# Flows valued again when re-read: pending ones, and unpriced ones (value 0) in case their coin
# can be priced now, such as a flow stored at 0 before a kline gap was priced at the close before.
_OPEN_SOURCES = frozenset({PENDING_SOURCE, UNPRICED.source})


class HistorySource(Protocol):
    """Deposit and withdrawal history of one account (our Binance client provides these)."""

    async def deposit_history(self, *, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """``GET /sapi/v1/capital/deposit/hisrec`` records between the two times."""
        ...

    async def withdraw_history(self, *, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """``GET /sapi/v1/capital/withdraw/history`` records between the two times."""
        ...


@dataclass
class SyncResult:
    """What one sync did: the window read, new flows, flows valued now, still pending."""

    start: datetime
    end: datetime
    inserted: int = 0
    revalued: int = 0
    pending: int = 0
    unpriced: list[str] = field(default_factory=list)
    kline_requests: int = 0


@dataclass
class FlowBatch:
    """The fetched half of a sync, found without holding any database connection.

    ``update`` is written by the caller: inside the account's snapshot transaction during a run
    (so that a snapshot and its flows are stored together or not at all), or alone.
    """

    result: SyncResult
    update: LedgerUpdate


async def fetch_cash_flows(
    storage: Storage,
    *,
    account_id: int | None,
    history: HistorySource,
    klines: KlineSource,
    symbols: Collection[str] | Routes,
    now: datetime | None = None,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> FlowBatch:
    """Read the account's recent deposits and withdrawals and value the final ones.

    Args:
        storage: the database (read through worker threads).
        account_id: ``accounts.id`` of the account whose history ``history`` reads; None for
            an account not stored yet.
        history: the account's signed client.
        klines: a public kline source (the same client).
        symbols: the run's all-prices symbols, or a :data:`Routes` function (``routes_in``):
            it decides which pairs can value a coin, so that no request is sent for a pair that
            does not exist (Binance answers -1121; see ``docs/binance.md``).
        now: the end of the window (the run's time); default the current time.
        overlap: how far back each run re-reads.

    Raises:
        binfolio.domain.flows.FlowParseError: for a malformed record.
        Exception: whatever ``history`` or ``klines`` raise.
    """
    end = now or utc_now()
    usable = symbols if callable(symbols) else routes_in(symbols)
    db, ledger = storage.db, storage.ledger
    start = await db.call(ledger.window_start, account_id, end, overlap)
    flows = await read_history(history, start, end)
    existing: dict[tuple[str, str], str] = {}
    if account_id is not None and flows:
        existing = await db.call(ledger.flow_sources, account_id, [f.binance_id for f in flows])
    closes = KlineCloses(storage.klines, db, klines, now_ms=to_ms(end))
    open_flows = [
        f
        for f in flows
        if existing.get((f.kind.value, f.binance_id), PENDING_SOURCE) in _OPEN_SOURCES
    ]
    # Every cached close these flows may need, in one read instead of one per flow.
    await closes.preload_keys(
        (pair, kline_minute_ms(f.time))
        for f in open_flows
        for route in usable(f.coin)
        for pair in route
    )
    batch = FlowBatch(SyncResult(start, end), LedgerUpdate(synced_until=end, recorded_at=end))
    for flow in open_flows:
        key = (flow.kind.value, flow.binance_id)
        stored = existing.get(key, PENDING_SOURCE)
        price = await price_flow(closes, flow, usable)
        if stored == UNPRICED.source and price.source in _OPEN_SOURCES:
            continue  # still no price: keep the 0 (never back to pending) and warn only once
        if price.source == PENDING_SOURCE:
            batch.result.pending += 1
        elif price.source == "unpriced":
            batch.result.unpriced.append(flow.coin)
        if key not in existing:
            batch.update.new_flows.append((flow, price))
        elif price.source != PENDING_SOURCE:
            batch.update.revalue[key] = price
    batch.update.closes = dict(closes.fresh)
    batch.result.kline_requests = closes.requests
    batch.result.inserted, batch.result.revalued = (
        len(batch.update.new_flows),
        len(batch.update.revalue),
    )
    if batch.result.unpriced:
        log.warning(
            "flows in unpriced coins valued at 0: %s", ", ".join(sorted(batch.result.unpriced))
        )
    return batch


async def read_history(history: HistorySource, start: datetime, end: datetime) -> list[CashFlow]:
    """Every final flow between ``start`` and ``end``, each once, oldest first.

    Raises:
        binfolio.domain.flows.FlowParseError: for a malformed record.
    """
    found: dict[tuple[str, str], CashFlow] = {}
    for chunk_start, chunk_end in chunks(start, end):
        deposits, withdrawals = await asyncio.gather(
            history.deposit_history(start_ms=chunk_start, end_ms=chunk_end),
            history.withdraw_history(start_ms=chunk_start, end_ms=chunk_end),
        )
        for record in deposits:
            if (flow := parse_deposit(record)) is not None:
                found[(flow.kind.value, flow.binance_id)] = flow
        for record in withdrawals:
            if (flow := parse_withdrawal(record)) is not None:
                found[(flow.kind.value, flow.binance_id)] = flow
    return sorted(found.values(), key=lambda f: (f.time, f.kind.value, f.binance_id))


def chunks(start: datetime, end: datetime) -> list[tuple[int, int]]:
    """``[start_ms, end_ms]`` pairs covering the window, each spanning less than 90 days."""
    pairs: list[tuple[int, int]] = []
    first, last = to_ms(start), to_ms(end)
    step = CHUNK // timedelta(milliseconds=1)
    while first <= last:
        pairs.append((first, min(first + step, last)))
        first += step + 1
    return pairs
