"""One account within a run: read its wallets, value them, run the flow hook, store it all.

Reading holds one of the run's concurrency slots; storing does not, so that a slow write never
keeps the next account from starting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from binfolio.adapters.binance.errors import BinanceError
from binfolio.domain.clock import Clock
from binfolio.domain.money import fmt
from binfolio.domain.snapshot import (
    Snapshot,
    SnapshotStatus,
    WalletRead,
    build_snapshot,
    failed_snapshot,
)
from binfolio.domain.valuation import AssetPrice, PriceBook
from binfolio.errors import StorageError
from binfolio.services.collect.options import CollectOptions, FlowContext
from binfolio.services.collect.results import AccountResult
from binfolio.services.collect.wallets import read_reconciliation, read_wallets
from binfolio.services.ports import AccountLine, AccountReader, Db, LedgerUpdate, RunWriter

log = logging.getLogger(__name__)

ALWAYS_PRICED = ("BTC", "ETH")


@dataclass(frozen=True)
class AccountJob:
    """Everything one account's collection needs from its run."""

    name: str
    client: AccountReader
    wallets: frozenset[str]
    book: PriceBook
    run_id: str
    store: RunWriter
    db: Db
    write_lock: asyncio.Lock


@dataclass(frozen=True)
class ReadAccount:
    """An account read and valued, waiting to be stored."""

    job: AccountJob
    taken_at: datetime
    snapshot: Snapshot
    line: AccountLine
    prices: list[AssetPrice]
    ledger: LedgerUpdate | None


async def read_account(
    job: AccountJob, options: CollectOptions, deadline: float, clock: Clock
) -> ReadAccount:
    """Read one account's wallets (and its cash flows, through the hook) and value them."""
    started, taken_at = time.perf_counter(), clock()
    reconciliation = (
        read_reconciliation(job.client, deadline=deadline) if options.reconcile else _none()
    )
    # The cash flows need only the run's prices: read them while the wallets are read, so an
    # account costs one round trip of latency instead of three.
    flow_notes: list[str] = []
    flows = asyncio.create_task(_run_flow_hook(job, options, deadline, taken_at, flow_notes))
    reads, binance_wallets = await asyncio.gather(
        read_wallets(
            job.client,
            job.wallets,
            earn_page_size=options.earn_page_size,
            deadline=deadline,
            deadline_s=options.deadline_s,
        ),
        reconciliation,
    )
    notes: list[str] = []
    # Only a bad key (refused on spot) or a ban is fatal; a wallet the key has no permission
    # for comes back as a WalletRead with the reason, so the others still make a partial snapshot.
    fatal = next(
        (r for r in (*reads.values(), binance_wallets) if isinstance(r, BinanceError)), None
    )
    ledger: LedgerUpdate | None = None
    if fatal is not None:
        flows.cancel()  # nothing of a bad key's account is stored
        with contextlib.suppress(asyncio.CancelledError):
            await flows
        snapshot = failed_snapshot([str(fatal)])
    else:
        if isinstance(binance_wallets, str):
            notes.append(binance_wallets)
        snapshot = build_snapshot(
            {g: r for g, r in reads.items() if isinstance(r, WalletRead)},
            job.book,
            binance_wallets_usdt=binance_wallets if isinstance(binance_wallets, Mapping) else None,
            tolerance_pct=options.reconcile_tolerance_pct,
        )
        notes += _drift_note(snapshot, options.reconcile_tolerance_pct)
        ledger = await flows
        notes += flow_notes
    line = AccountLine(
        snapshot.status.value,
        job.client.stats.requests,
        job.client.stats.weight,
        (*snapshot.reasons, *notes),
        _elapsed_ms(started),
    )
    prices = _prices_to_store(snapshot, job.book, options.benchmark_assets)
    return ReadAccount(job, taken_at, snapshot, line, prices, ledger)


async def save_account(read: ReadAccount) -> AccountResult:
    """Store one account in one transaction; a failed write is reported on the result."""
    job, errors = read.job, read.line.errors
    snapshot_id: int | None = None
    try:
        async with job.write_lock:
            snapshot_id = await job.db.call(
                job.store.write_account,
                job.name,
                read.taken_at,
                read.snapshot,
                read.line,
                read.prices,
                read.ledger,
            )
    except StorageError as exc:
        log.exception("account %s: snapshot not saved", job.name)
        errors = (*errors, f"snapshot not saved: {type(exc).__name__}: {exc}")
    return _result(
        job.name, read.snapshot, read.line, errors, snapshot_id, job.client.stats.uid_weight
    )


async def _none() -> None:
    return None


def _elapsed_ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _drift_note(snapshot: Snapshot, tolerance_pct: Decimal) -> list[str]:
    rec = snapshot.reconciliation
    if rec is None or not rec.flagged:
        return []
    drift = "n/a" if rec.drift_pct is None else f"{rec.drift_pct:.2f}%"
    note = (
        f"reconciliation: our total {fmt(rec.our_total_usdt)} USDT differs from Binance's "
        f"{fmt(rec.binance_total_usdt)} USDT by {drift} (tolerance {tolerance_pct}%)"
    )
    return [note + (f"; {rec.note}" if rec.note else "")]


async def _run_flow_hook(
    job: AccountJob, options: CollectOptions, deadline: float, taken_at: datetime, notes: list[str]
) -> LedgerUpdate | None:
    """The cash-flow hook; its failure is noted, not fatal: the next run re-reads the window."""
    if options.flow_hook is None:
        return None
    context = FlowContext(job.name, job.client, job.run_id, taken_at, job.book)
    try:
        async with asyncio.timeout_at(deadline):
            return await options.flow_hook(context)
    except BinanceError as exc:
        notes.append(f"cash flows: {exc}")
    except TimeoutError:
        notes.append("cash flows: not read before the run deadline")
    except Exception as exc:  # a ledger bug must not cost the snapshot; logged and reported
        log.exception("account %s: cash-flow hook failed", job.name)
        notes.append(f"cash flows: {type(exc).__name__}: {exc}")
    return None


def _prices_to_store(
    snapshot: Snapshot, book: PriceBook, benchmark_assets: Iterable[str]
) -> list[AssetPrice]:
    """The prices this snapshot used, plus BTC, ETH and the benchmark's assets."""
    prices = dict(snapshot.priced_assets)
    for asset in (*ALWAYS_PRICED, *benchmark_assets):
        prices.setdefault(asset, book.price(asset))
    return list(prices.values())


def _result(
    name: str,
    snapshot: Snapshot,
    line: AccountLine,
    errors: tuple[str, ...],
    snapshot_id: int | None,
    uid_weight: int = 0,
) -> AccountResult:
    return AccountResult(
        account=name,
        status=snapshot.status,
        nav_usdt=snapshot.nav_usdt,
        wallet_totals=dict(snapshot.wallet_totals),
        unpriced=snapshot.unpriced,
        errors=errors,
        requests=line.requests,
        weight=line.weight,
        uid_weight=uid_weight,
        duration_ms=line.duration_ms,
        reconciliation=snapshot.reconciliation,
        snapshot_id=snapshot_id,
    )


def not_collected(name: str, reason: str) -> AccountResult:
    """The result of an account that could not even be attempted (nothing stored)."""
    snapshot = failed_snapshot([reason])
    return _result(name, snapshot, AccountLine("failed", 0, 0, (reason,), 0), (reason,), None)


async def save_failed(
    store: RunWriter, db: Db, lock: asyncio.Lock, name: str, taken_at: datetime, reason: str
) -> AccountResult:
    """Store a failed snapshot for an account the run never reached (ban, no prices)."""
    snapshot = failed_snapshot([reason])
    line = AccountLine(SnapshotStatus.FAILED.value, 0, 0, (reason,), 0)
    try:
        async with lock:
            snapshot_id = await db.call(store.write_account, name, taken_at, snapshot, line, [])
    except StorageError as exc:
        log.exception("account %s: failed snapshot not saved", name)
        return not_collected(name, f"{reason}; not saved: {exc}")
    return _result(name, snapshot, line, (reason,), snapshot_id)
