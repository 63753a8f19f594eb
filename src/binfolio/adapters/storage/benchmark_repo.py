"""SQL of the benchmark: its inputs (first complete snapshot, valued flows, run prices) and its
outputs (``benchmark_states``, ``benchmark_events``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import transaction
from binfolio.adapters.storage.ledger_repo import store_closes
from binfolio.adapters.storage.models import (
    BenchmarkEventRow,
    BenchmarkStateRow,
    CashFlowRow,
    RunPriceRow,
    SnapshotRow,
)
from binfolio.domain.benchmark import (
    AppliedEvent,
    BasketSpec,
    BenchmarkFlow,
    BenchmarkState,
    EventKey,
)
from binfolio.domain.flows import FlowKind
from binfolio.domain.money import ZERO
from binfolio.domain.types import Asset
from binfolio.domain.valuation import exact
from binfolio.services.ports import (
    BenchmarkInputs,
    BenchmarkStart,
    BenchmarkWrite,
    KlineKey,
    StoredBenchmark,
)

T = TypeVar("T")
# Keys per IN (...) list: far below SQLite's and PostgreSQL's parameter limits.
_CHUNK = 500


def flow_ref(cash_flow_id: int) -> str:
    """The event reference of a ledger row; zero-padded so that text order is id order."""
    return f"{cash_flow_id:012d}"


class BenchmarkRepo:
    """:class:`binfolio.services.ports.BenchmarkStore` on SQLAlchemy.

    Reads and writes many accounts at once: a snapshot run updates every account's benchmark,
    and one statement per table for all of them is far cheaper than a transaction each.
    """

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def load_many(self, specs: dict[int, BasketSpec]) -> dict[int, BenchmarkInputs]:
        """The inputs of each account's update; absent before its first complete snapshot."""
        ids = sorted(specs)
        found: dict[int, BenchmarkInputs] = {}
        with self._factory() as session:
            starts = {}
            for offset in range(0, len(ids), _CHUNK):
                starts.update(_first_complete(session, ids[offset : offset + _CHUNK]))
            if not starts:
                return found
            started = sorted(starts)
            states = _in_chunks(session, started, _states)
            flows = _in_chunks(session, started, _ledger_rows)
            applied = _in_chunks(session, started, _applied_flow_ids)
            assets = {a for i in started for a in specs[i].assets}
            prices = _run_prices(session, {s.run_id for s in starts.values()}, assets)
        for account_id, start in starts.items():
            valued, pending_at = _flows_after(flows.get(account_id, []), start.time)
            found[account_id] = BenchmarkInputs(
                start=start,
                stored=states.get(account_id),
                start_prices={
                    a: p
                    for a, p in prices.get(start.run_id, {}).items()
                    if a in specs[account_id].assets
                },
                applied_flow_ids=applied.get(account_id, set()),
                flows=valued,
                pending_at=pending_at,
            )
        return found

    def save_many(self, writes: list[BenchmarkWrite], closes: dict[KlineKey, Decimal]) -> list[int]:
        """Store the outcomes in one transaction; ids another process updated meanwhile."""
        lost: list[int] = []
        with transaction(self._factory) as session:
            store_closes(session, closes)
            ids = sorted(w.account_id for w in writes)
            # Row locks on PostgreSQL: two runs updating one benchmark take turns.
            rows = {
                row.account_id: row
                for row in session.scalars(
                    select(BenchmarkStateRow)
                    .where(BenchmarkStateRow.account_id.in_(ids))
                    .with_for_update()
                )
            }
            unchanged: list[int] = []
            for write in writes:
                current = rows.get(write.account_id)
                if (current.event_count if current else None) != write.base_count:
                    lost.append(write.account_id)  # its result is as good as ours
                elif write.changed or current is None:
                    _write(session, write, current)
                else:
                    unchanged.append(write.account_id)
            if unchanged:
                # Nothing to apply: only the time it is up to moves (exports read it).
                session.execute(
                    update(BenchmarkStateRow)
                    .where(BenchmarkStateRow.account_id.in_(unchanged))
                    .values(updated_at=writes[0].now)
                )
        return lost


def _in_chunks(
    session: Session, ids: list[int], read: Callable[[Session, list[int]], dict[int, T]]
) -> dict[int, T]:
    """``read`` over ``ids`` in IN-lists of at most 500."""
    found: dict[int, T] = {}
    for offset in range(0, len(ids), _CHUNK):
        found.update(read(session, ids[offset : offset + _CHUNK]))
    return found


def _first_complete(session: Session, ids: list[int]) -> dict[int, BenchmarkStart]:
    ranked = (
        select(
            SnapshotRow.account_id,
            SnapshotRow.id,
            SnapshotRow.taken_at,
            SnapshotRow.nav_usdt,
            SnapshotRow.run_id,
            func.row_number()
            .over(
                partition_by=SnapshotRow.account_id,
                order_by=(SnapshotRow.taken_at, SnapshotRow.id),
            )
            .label("rank"),
        )
        .where(SnapshotRow.account_id.in_(ids), SnapshotRow.status == "complete")
        .subquery()
    )
    rows = session.execute(
        select(
            ranked.c.account_id, ranked.c.id, ranked.c.taken_at, ranked.c.nav_usdt, ranked.c.run_id
        ).where(ranked.c.rank == 1)
    )
    return {
        account_id: BenchmarkStart(snapshot_id, taken_at, nav if nav is not None else ZERO, run)
        for account_id, snapshot_id, taken_at, nav, run in rows
    }


def _states(session: Session, ids: list[int]) -> dict[int, StoredBenchmark]:
    rows = session.scalars(select(BenchmarkStateRow).where(BenchmarkStateRow.account_id.in_(ids)))
    return {row.account_id: _stored(row) for row in rows}


def _stored(row: BenchmarkStateRow) -> StoredBenchmark:
    state = BenchmarkState(
        started_at=row.started_at,
        units={Asset(a): Decimal(u) for a, u in row.units.items()},
        last_key=EventKey(row.last_event_time, row.last_event_rank, row.last_event_ref),
    )
    return StoredBenchmark(state, row.spec_fingerprint, row.start_snapshot_id, row.event_count)


def _run_prices(
    session: Session, run_ids: set[str], assets: set[Asset]
) -> dict[str, dict[Asset, Decimal]]:
    found: dict[str, dict[Asset, Decimal]] = {}
    ordered = sorted(run_ids)
    for offset in range(0, len(ordered), _CHUNK):
        rows = session.execute(
            select(RunPriceRow.run_id, RunPriceRow.asset, RunPriceRow.price_usdt).where(
                RunPriceRow.run_id.in_(ordered[offset : offset + _CHUNK]),
                RunPriceRow.asset.in_(sorted(assets)),
            )
        )
        for run_id, asset, price in rows:
            found.setdefault(run_id, {})[Asset(asset)] = price
    return found


FlowRow = tuple[int, str, datetime, Decimal | None]


def _ledger_rows(session: Session, ids: list[int]) -> dict[int, list[FlowRow]]:
    rows = session.execute(
        select(
            CashFlowRow.account_id,
            CashFlowRow.id,
            CashFlowRow.kind,
            CashFlowRow.time,
            CashFlowRow.value_usdt,
        )
        .where(CashFlowRow.account_id.in_(ids))
        .order_by(CashFlowRow.time, CashFlowRow.id)
    )
    found: dict[int, list[FlowRow]] = {}
    for account_id, flow_id, kind, time, value in rows:
        found.setdefault(account_id, []).append((flow_id, kind, time, value))
    return found


def _flows_after(
    rows: list[FlowRow], after: datetime
) -> tuple[list[BenchmarkFlow], datetime | None]:
    """Valued flows after the start, and the time of the earliest flow still pending."""
    flows: list[BenchmarkFlow] = []
    pending_at: datetime | None = None
    for flow_id, kind, time, value in rows:
        if time <= after:
            continue
        if value is None:
            pending_at = time if pending_at is None else min(pending_at, time)
        elif value > 0:  # an unpriced coin is worth 0 in NAV too: nothing to match
            flows.append(BenchmarkFlow(flow_ref(flow_id), FlowKind(kind), time, value))
    return flows, pending_at


def _applied_flow_ids(session: Session, ids: list[int]) -> dict[int, set[int]]:
    rows = session.execute(
        select(BenchmarkEventRow.account_id, BenchmarkEventRow.cash_flow_id).where(
            BenchmarkEventRow.account_id.in_(ids), BenchmarkEventRow.cash_flow_id.is_not(None)
        )
    )
    found: dict[int, set[int]] = {}
    for account_id, flow_id in rows:
        if flow_id is not None:
            found.setdefault(account_id, set()).add(flow_id)
    return found


def _write(session: Session, write: BenchmarkWrite, row: BenchmarkStateRow | None) -> None:
    account_id, state, spec = write.account_id, write.state, write.spec
    if write.start_event is not None:
        session.execute(delete(BenchmarkEventRow).where(BenchmarkEventRow.account_id == account_id))
        seq = 0
        events = [write.start_event, *write.applied]
    else:
        seq = row.event_count if row is not None else 0
        events = write.applied
    session.add_all(_event_row(account_id, seq + i, e) for i, e in enumerate(events))
    if row is None:
        row = BenchmarkStateRow(account_id=account_id)
        session.add(row)
    row.spec_fingerprint = spec.fingerprint()
    row.weights = {a: str(w) for a, w in spec.weights.items()}
    row.rebalance_cron = spec.rebalance_cron
    row.start_snapshot_id = write.start.snapshot_id
    row.started_at = state.started_at
    row.units = {a: str(u) for a, u in state.units.items()}
    row.last_event_time = state.last_key.time
    row.last_event_rank = state.last_key.rank
    row.last_event_ref = state.last_key.ref
    row.event_count = seq + len(events)
    row.updated_at = write.now


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
