"""The cash-flow ledger: read Binance's deposit and withdrawal history into ``cash_flows``.

Every run re-reads an overlapping window instead of advancing a high-water mark (field notes B5):
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

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import insert_if_absent, transaction
from binfolio.adapters.storage.models import CashFlowRow, LedgerSyncRow, SnapshotRow
from binfolio.domain.clock import to_ms, utc_now
from binfolio.domain.flows import CashFlow, parse_deposit, parse_withdrawal
from binfolio.services.ledger.flow_prices import (
    PENDING_SOURCE,
    UNPRICED,
    FlowPrice,
    Routes,
    price_flow,
    routes_in,
)
from binfolio.services.ledger.kline_prices import KlineCloses, KlineSource

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
    """The fetched half of a sync: rows to write, found without holding any transaction.

    :meth:`write` is the other half; it fits the collector's ``FlowWriter`` (session,
    account_id), so that flows land in the same transaction as the account's snapshot.
    """

    result: SyncResult
    new_rows: list[dict[str, Any]] = field(default_factory=list)
    revalue: dict[tuple[str, str], FlowPrice] = field(default_factory=dict)
    closes: KlineCloses | None = None

    def write(self, session: Session, account_id: int) -> None:
        """Insert new flows if absent, value open ones, cache closes, remember the window."""
        rows = [{**row, "account_id": account_id} for row in self.new_rows]
        insert_if_absent(session, CashFlowRow, rows, ["account_id", "kind", "binance_id"])
        for (kind, binance_id), price in self.revalue.items():
            session.execute(
                update(CashFlowRow)
                .where(
                    CashFlowRow.account_id == account_id,
                    CashFlowRow.kind == kind,
                    CashFlowRow.binance_id == binance_id,
                    CashFlowRow.price_source.in_(_OPEN_SOURCES),
                )
                .values(
                    value_usdt=price.value_usdt,
                    price_usdt=price.price_usdt,
                    price_source=price.source,
                )
            )
        if self.closes is not None:
            self.closes.store(session)
        _mark_synced(session, account_id, self.result.end)
        self.result.inserted, self.result.revalued = len(rows), len(self.revalue)


async def sync_cash_flows(
    factory: sessionmaker[Session],
    *,
    account_id: int,
    history: HistorySource,
    klines: KlineSource,
    symbols: Collection[str],
    now: datetime | None = None,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> SyncResult:
    """Read the account's recent deposits and withdrawals and store the final ones, valued.

    Args:
        factory: session factory of the binfolio database.
        account_id: ``accounts.id`` of the account whose history ``history`` reads.
        history: the account's signed client.
        klines: a public kline source (the same client).
        symbols: every symbol of the run's all-prices response: it decides which pairs can
            value a coin (valuation rule), so that no request is sent for a pair that does not
            exist (field notes L1).
        now: the end of the window (the run's time); default the current time.
        overlap: how far back each run re-reads.

    Raises:
        binfolio.domain.flows.FlowParseError: for a malformed record (nothing is stored then).
        Exception: whatever ``history`` or ``klines`` raise (nothing is stored then).
    """
    batch = await fetch_cash_flows(
        factory,
        account_id=account_id,
        history=history,
        klines=klines,
        symbols=symbols,
        now=now,
        overlap=overlap,
    )
    with transaction(factory) as session:
        batch.write(session, account_id)
    return batch.result


async def fetch_cash_flows(
    factory: sessionmaker[Session],
    *,
    account_id: int | None,
    history: HistorySource,
    klines: KlineSource,
    symbols: Collection[str] | Routes,
    now: datetime | None = None,
    overlap: timedelta = DEFAULT_OVERLAP,
) -> FlowBatch:
    """The read-only half of :func:`sync_cash_flows`; ``account_id`` None for a new account.

    ``symbols`` is the run's symbol list, or a :data:`Routes` function (``routes_in``).

    Raises:
        binfolio.domain.flows.FlowParseError: for a malformed record.
        Exception: whatever ``history`` or ``klines`` raise.
    """
    end = now or utc_now()
    usable = symbols if callable(symbols) else routes_in(symbols)
    with factory() as session:
        start = _window_start(session, account_id, end, overlap)
        flows = await read_history(history, start, end)
        existing = _existing(session, account_id, flows) if account_id is not None else {}
        closes = KlineCloses(session, klines, now_ms=to_ms(end))
        batch = FlowBatch(SyncResult(start, end), closes=closes)
        for flow in flows:
            key = (flow.kind.value, flow.binance_id)
            stored = existing.get(key, PENDING_SOURCE)
            if stored not in _OPEN_SOURCES:
                continue
            price = await price_flow(closes, flow, usable)
            if stored == UNPRICED.source and price.source in _OPEN_SOURCES:
                continue  # still no price: keep the 0 (never back to pending) and warn only once
            if price.source == PENDING_SOURCE:
                batch.result.pending += 1
            elif price.source == "unpriced":
                batch.result.unpriced.append(flow.coin)
            if key not in existing:
                batch.new_rows.append(_row(flow, price, end))
            elif price.source != PENDING_SOURCE:
                batch.revalue[key] = price
        batch.result.kline_requests = closes.requests
        session.rollback()  # end the read transaction: the write comes later, maybe elsewhere
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
        for record in await history.deposit_history(start_ms=chunk_start, end_ms=chunk_end):
            if (flow := parse_deposit(record)) is not None:
                found[(flow.kind.value, flow.binance_id)] = flow
        for record in await history.withdraw_history(start_ms=chunk_start, end_ms=chunk_end):
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


def _window_start(
    session: Session, account_id: int | None, end: datetime, overlap: timedelta
) -> datetime:
    if account_id is None:
        return end - overlap
    synced = session.get(LedgerSyncRow, account_id)
    if synced is not None:
        return min(synced.synced_until, end) - overlap
    first_complete = session.scalar(
        select(SnapshotRow.taken_at)
        .where(SnapshotRow.account_id == account_id, SnapshotRow.status == "complete")
        .order_by(SnapshotRow.taken_at)
        .limit(1)
    )
    start = end - overlap
    return min(start, first_complete) if first_complete is not None else start


def _existing(
    session: Session, account_id: int, flows: list[CashFlow]
) -> Mapping[tuple[str, str], str]:
    """(kind, binance_id) → price_source of the flows already in the ledger."""
    ids = sorted({f.binance_id for f in flows})
    found: dict[tuple[str, str], str] = {}
    for offset in range(0, len(ids), 500):
        rows = session.execute(
            select(CashFlowRow.kind, CashFlowRow.binance_id, CashFlowRow.price_source).where(
                CashFlowRow.account_id == account_id,
                CashFlowRow.binance_id.in_(ids[offset : offset + 500]),
            )
        )
        for kind, binance_id, source in rows:
            found[(kind, binance_id)] = source
    return found


def _row(flow: CashFlow, price: FlowPrice, now: datetime) -> dict[str, Any]:
    return {
        "kind": flow.kind.value,
        "binance_id": flow.binance_id,
        "coin": flow.coin,
        "amount": flow.amount,
        "fee": flow.fee,
        "time": flow.time,
        "completed_at": flow.completed_at,
        "status": flow.status,
        "value_usdt": price.value_usdt,
        "price_usdt": price.price_usdt,
        "price_source": price.source,
        "raw": dict(flow.raw),
        "recorded_at": now,
    }


def _mark_synced(session: Session, account_id: int, until: datetime) -> None:
    row = session.get(LedgerSyncRow, account_id)
    if row is None:
        session.add(LedgerSyncRow(account_id=account_id, synced_until=until, synced_at=utc_now()))
    else:
        row.synced_until = max(row.synced_until, until)
        row.synced_at = utc_now()
