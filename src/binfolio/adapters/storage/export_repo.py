"""The export outbox (every SQL statement of the Sheets export lives here).

The collector calls :func:`enqueue_run_rows` inside each account's snapshot transaction, so a
row waits in ``export_outbox`` exactly when its snapshot was saved. :class:`ExportRepository`
is the :class:`~binfolio.services.export.ports.OutboxStore` the sender uses afterwards.

Invariant the duplicate check relies on: a run's rows reach the sheet together, in one append
(``pending`` returns whole runs of finished runs, ``enqueue_missing`` adds whole runs only), so
a Run ID found in the sheet means every row of that run is there.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, func, insert, literal, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from binfolio.adapters.storage.base import core_table
from binfolio.adapters.storage.database import insert_if_absent, transaction
from binfolio.adapters.storage.locks import LockGrant, RunLocks, run_locks_for
from binfolio.adapters.storage.models import (
    AccountRow,
    BenchmarkEventRow,
    BenchmarkStateRow,
    CashFlowRow,
    ExportOutboxRow,
    RunPriceRow,
    RunRow,
    SnapshotAssetRow,
    SnapshotRow,
)
from binfolio.domain.clock import utc_now
from binfolio.services.export.ports import (
    FrozenRow,
    OutboxCounts,
    PendingRow,
    RowSource,
)

# A run-lock name no account can have ("~" is not allowed in account names).
SENDER_LOCK = "~sheets-export"
_OUTBOX = core_table(ExportOutboxRow)


def enqueue_run_rows(
    session: Session,
    *,
    run_id: str,
    account_id: int,
    snapshot_id: int,
    created_at: datetime | None = None,
) -> None:
    """Queue the spreadsheet row of one (run, account) in the caller's transaction.

    Call it inside the snapshot's own transaction (after the snapshot row is inserted) when
    Sheets export is on; calling it twice for the same run and account is harmless. Nothing is
    rendered here: the benchmark of the run is only known after the run, so the row is rendered
    when it is first sent, and frozen then.
    """
    insert_if_absent(
        session,
        ExportOutboxRow,
        [
            {
                "run_id": run_id,
                "account_id": account_id,
                "snapshot_id": snapshot_id,
                "created_at": created_at or utc_now(),
                "attempts": 0,
            }
        ],
        ["run_id", "account_id"],
    )


class ExportRepository:
    """The outbox and the sender's lock on one database."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        self._held: tuple[RunLocks, LockGrant] | None = None

    # --- one sender at a time -------------------------------------------------------------

    def acquire_sender_lock(self) -> bool:
        """Take the sender's lock unless another process holds it (no waiting).

        It is a run lock (``locks.py``): a PostgreSQL advisory lock or a lock file beside the
        SQLite database, so a sender that dies (killed mid-append) frees it at once.
        """
        locks = run_locks_for(self._factory.kw["bind"])
        grant = locks.acquire([SENDER_LOCK], wait_s=0)
        if grant.busy:
            grant.release()
            locks.close()
            return False
        self._held = (locks, grant)
        return True

    def release_sender_lock(self) -> None:
        """Release the sender's lock if this repository holds it."""
        if self._held is not None:
            locks, grant = self._held
            self._held = None
            grant.release()
            locks.close()

    # --- rendering ------------------------------------------------------------------------

    def unrendered(self, limit: int) -> list[RowSource]:
        """Pending rows of finished runs without cells yet, oldest run first."""
        earlier = aliased(SnapshotRow)
        previous = (
            select(func.max(earlier.taken_at))
            .where(earlier.account_id == SnapshotRow.account_id)
            .where(earlier.taken_at < SnapshotRow.taken_at)
            .scalar_subquery()
        )
        query = (
            select(
                ExportOutboxRow.id,
                ExportOutboxRow.run_id,
                AccountRow.name,
                SnapshotRow.account_id,
                SnapshotRow.id,
                SnapshotRow.taken_at,
                SnapshotRow.status,
                SnapshotRow.nav_usdt,
                SnapshotRow.unpriced,
                previous,
                RunRow.started_at,
            )
            .join(SnapshotRow, SnapshotRow.id == ExportOutboxRow.snapshot_id)
            .join(AccountRow, AccountRow.id == ExportOutboxRow.account_id)
            .join(RunRow, RunRow.id == ExportOutboxRow.run_id)
            .where(
                ExportOutboxRow.sent_at.is_(None),
                ExportOutboxRow.cells.is_(None),
                RunRow.status != "running",
            )
            .order_by(RunRow.started_at, RunRow.id, AccountRow.name)
            .limit(limit)
        )
        with self._factory() as session:
            rows = session.execute(query).all()
            if not rows:
                return []
            context = _Context.load(session, rows)
        return [context.source(row) for row in rows]

    def freeze(self, rows: Sequence[FrozenRow], now: datetime) -> None:
        """Store the rendered cells; a row rendered meanwhile by another sender keeps its own."""
        if not rows:
            return
        statement = (
            update(_OUTBOX)
            .where(_OUTBOX.c.id == bindparam("row_id"), _OUTBOX.c.cells.is_(None))
            .values(cells=bindparam("new_cells"), asset_values=bindparam("new_assets"))
            .values(rendered_at=now)
        )
        with transaction(self._factory) as session:
            session.connection().execute(
                statement,
                [
                    {"row_id": r.outbox_id, "new_cells": r.cells, "new_assets": r.asset_values}
                    for r in rows
                ],
            )

    # --- sending --------------------------------------------------------------------------

    def pending(self, limit: int) -> list[PendingRow]:
        """Frozen pending rows in sheet order: about ``limit`` rows, never part of a run."""
        unrendered_runs = select(_OUTBOX.c.run_id).where(
            _OUTBOX.c.sent_at.is_(None), _OUTBOX.c.cells.is_(None)
        )
        base = (
            select(
                ExportOutboxRow.id,
                ExportOutboxRow.run_id,
                ExportOutboxRow.cells,
                ExportOutboxRow.asset_values,
                ExportOutboxRow.attempts,
            )
            .join(RunRow, RunRow.id == ExportOutboxRow.run_id)
            .join(AccountRow, AccountRow.id == ExportOutboxRow.account_id)
            .where(
                ExportOutboxRow.sent_at.is_(None),
                ExportOutboxRow.cells.is_not(None),
                ExportOutboxRow.run_id.not_in(unrendered_runs),
            )
            .order_by(RunRow.started_at, RunRow.id, AccountRow.name)
        )
        with self._factory() as session:
            found = list(session.execute(base.limit(limit)))
            if len(found) == limit:
                # The last run may go on past the limit: take the rest of it too.
                last = found[-1][1]
                have = {row[0] for row in found}
                rest = session.execute(base.where(ExportOutboxRow.run_id == last))
                found += [row for row in rest if row[0] not in have]
        return [
            PendingRow(row_id, run_id, list(cells or ()), dict(assets or {}), attempts)
            for row_id, run_id, cells, assets, attempts in found
        ]

    def note_attempt(self, outbox_ids: Collection[int]) -> None:
        """attempts + 1, committed before the append goes out."""
        self._update(outbox_ids, attempts=ExportOutboxRow.attempts + 1)

    def note_error(self, outbox_ids: Collection[int], message: str) -> None:
        """The reason of the last failure, kept for ``binfolio export sheets``."""
        self._update(outbox_ids, last_error=message[:2000])

    def mark_sent(self, outbox_ids: Collection[int], now: datetime) -> None:
        """The rows are in the sheet."""
        self._update(outbox_ids, sent_at=now, last_error=None)

    def _update(self, outbox_ids: Collection[int], **values: Any) -> None:
        if not outbox_ids:
            return
        ids = sorted(outbox_ids)
        with transaction(self._factory) as session:
            for start in range(0, len(ids), 500):  # bounded IN lists
                chunk = ids[start : start + 500]
                session.execute(
                    update(ExportOutboxRow).where(ExportOutboxRow.id.in_(chunk)).values(**values)
                )

    def enqueue_missing(self, now: datetime) -> int:
        """Queue every snapshot of a run that has no outbox row at all (``--resync``).

        Whole runs only: a run with some rows queued already keeps to the rows it has.
        """
        queued_runs = select(ExportOutboxRow.run_id)
        source = select(
            SnapshotRow.run_id,
            SnapshotRow.account_id,
            SnapshotRow.id,
            literal(now, type_=ExportOutboxRow.created_at.type),
            literal(0),
        ).where(SnapshotRow.run_id.not_in(queued_runs))
        with transaction(self._factory) as session:
            # SQLAlchemy keeps an INSERT's row count only when asked (preserve_rowcount).
            result = session.connection().execute(
                insert(_OUTBOX)
                .execution_options(preserve_rowcount=True)
                .from_select(
                    ["run_id", "account_id", "snapshot_id", "created_at", "attempts"], source
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def counts(self) -> OutboxCounts:
        """Rows pending and rows sent."""
        with self._factory() as session:
            pending, total = session.execute(
                select(
                    func.count().filter(ExportOutboxRow.sent_at.is_(None)),
                    func.count(),
                ).select_from(ExportOutboxRow)
            ).one()
        return OutboxCounts(pending=int(pending or 0), sent=int(total or 0) - int(pending or 0))


class _Context:
    """What a batch of rows renders from, read with one query per table."""

    def __init__(self) -> None:
        self.assets: dict[int, dict[str, Decimal]] = defaultdict(dict)
        self.prices: dict[str, dict[str, Decimal]] = defaultdict(dict)
        # account → (event times, units after each event)
        self.events: dict[int, tuple[list[datetime], list[dict[str, Decimal]]]] = {}
        self.bench_updated: dict[int, datetime] = {}
        self.first_pending_flow: dict[int, datetime] = {}
        self.flows: dict[int, list[tuple[datetime, Decimal | None]]] = defaultdict(list)

    @classmethod
    def load(cls, session: Session, rows: Sequence[Any]) -> _Context:
        context = cls()
        snapshot_ids = [row[4] for row in rows]
        run_ids = sorted({row[1] for row in rows})
        account_ids = sorted({row[3] for row in rows})
        latest = max(row[5] for row in rows)
        for snapshot_id, asset, value in session.execute(
            select(
                SnapshotAssetRow.snapshot_id, SnapshotAssetRow.asset, SnapshotAssetRow.value_usdt
            ).where(SnapshotAssetRow.snapshot_id.in_(snapshot_ids))
        ):
            held = context.assets[snapshot_id]
            held[asset] = held.get(asset, Decimal(0)) + (value or Decimal(0))
        for run_id, asset, price in session.execute(
            select(RunPriceRow.run_id, RunPriceRow.asset, RunPriceRow.price_usdt).where(
                RunPriceRow.run_id.in_(run_ids)
            )
        ):
            context.prices[run_id][asset] = price
        for account_id, time, units in session.execute(
            select(
                BenchmarkEventRow.account_id, BenchmarkEventRow.time, BenchmarkEventRow.units_after
            )
            .where(BenchmarkEventRow.account_id.in_(account_ids), BenchmarkEventRow.time <= latest)
            .order_by(BenchmarkEventRow.account_id, BenchmarkEventRow.seq)
        ):
            times, after = context.events.setdefault(account_id, ([], []))
            times.append(time)
            after.append({asset: Decimal(amount) for asset, amount in units.items()})
        context.bench_updated = {  # noqa: C416 - rows, not pairs, for mypy
            account_id: updated
            for account_id, updated in session.execute(
                select(BenchmarkStateRow.account_id, BenchmarkStateRow.updated_at).where(
                    BenchmarkStateRow.account_id.in_(account_ids)
                )
            )
        }
        context.first_pending_flow = {  # noqa: C416
            account_id: first
            for account_id, first in session.execute(
                select(CashFlowRow.account_id, func.min(CashFlowRow.time))
                .where(CashFlowRow.account_id.in_(account_ids), CashFlowRow.value_usdt.is_(None))
                .group_by(CashFlowRow.account_id)
            )
        }
        starts = [row[9] for row in rows if row[9] is not None]
        if starts:
            for account_id, time, kind, flow_value in session.execute(
                select(
                    CashFlowRow.account_id,
                    CashFlowRow.time,
                    CashFlowRow.kind,
                    CashFlowRow.value_usdt,
                )
                .where(
                    CashFlowRow.account_id.in_(account_ids),
                    CashFlowRow.time > min(starts),
                    CashFlowRow.time <= latest,
                )
                .order_by(CashFlowRow.time)
            ):
                signed = (
                    None
                    if flow_value is None
                    else (flow_value if kind == "deposit" else -flow_value)
                )
                context.flows[account_id].append((time, signed))
        return context

    def source(self, row: Any) -> RowSource:
        outbox_id, run_id, account, account_id, snapshot_id, taken_at = row[:6]
        status, nav_usdt, unpriced, previous, run_started_at = row[6:]
        flows: tuple[Decimal | None, ...] = ()
        if previous is not None:
            flows = tuple(v for t, v in self.flows.get(account_id, []) if previous < t <= taken_at)
        return RowSource(
            outbox_id=outbox_id,
            run_id=run_id,
            account=account,
            taken_at=taken_at,
            status=status,
            nav_usdt=nav_usdt,
            unpriced=tuple(unpriced or ()),
            asset_values=dict(self.assets.get(snapshot_id, {})),
            prices=dict(self.prices.get(run_id, {})),
            benchmark_units=self._units_at(account_id, taken_at, run_started_at),
            flows=flows,
        )

    def _units_at(
        self, account_id: int, moment: datetime, run_started_at: datetime
    ) -> dict[str, Decimal] | None:
        """Units after the last event at or before ``moment``, once the benchmark is final there.

        Final: an update ran for this run (the collector brings benchmarks up to the run's
        start, ``services/collect/job.py``) and no flow at or before ``moment`` is still being
        priced (the update stops before such a flow; see services/benchmark/update.py).
        """
        updated = self.bench_updated.get(account_id)
        pending = self.first_pending_flow.get(account_id)
        if updated is None or updated < run_started_at:
            return None
        if pending is not None and pending <= moment:
            return None
        times, units = self.events.get(account_id, ([], []))
        at = bisect_right(times, moment)
        return units[at - 1] if at else None
