"""SQL of the benchmark: its inputs (first complete snapshot, valued flows, run prices) and its
outputs (``benchmark_states``, ``benchmark_events``)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from decimal import Decimal

from sqlalchemy import delete, select
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
    StoredBenchmark,
)


def flow_ref(cash_flow_id: int) -> str:
    """The event reference of a ledger row; zero-padded so that text order is id order."""
    return f"{cash_flow_id:012d}"


class BenchmarkRepo:
    """:class:`binfolio.services.ports.BenchmarkStore` on SQLAlchemy."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def load(self, account_id: int, spec: BasketSpec) -> BenchmarkInputs | None:
        """The inputs of an update; None before the account's first complete snapshot."""
        with self._factory() as session:
            start = _first_complete(session, account_id)
            if start is None:
                return None
            row = session.get(BenchmarkStateRow, account_id)
            flows, pending_at = _ledger(session, account_id, start.time)
            return BenchmarkInputs(
                start=start,
                stored=_stored(row) if row is not None else None,
                start_prices=_run_prices(session, start.run_id, spec.assets),
                applied_flow_ids=_applied_flow_ids(session, account_id),
                flows=flows,
                pending_at=pending_at,
            )

    def save(self, write: BenchmarkWrite) -> bool:
        """Store the outcome unless another process updated meanwhile (then False)."""
        with transaction(self._factory) as session:
            # Row lock on PostgreSQL: two runs updating one benchmark take turns.
            current = session.get(BenchmarkStateRow, write.account_id, with_for_update=True)
            if (current.event_count if current else None) != write.base_count:
                return False  # another process updated it; its result is as good as ours
            store_closes(session, write.closes)
            _write(session, write, current)
        return True


def _first_complete(session: Session, account_id: int) -> BenchmarkStart | None:
    found = session.execute(
        select(SnapshotRow.id, SnapshotRow.taken_at, SnapshotRow.nav_usdt, SnapshotRow.run_id)
        .where(SnapshotRow.account_id == account_id, SnapshotRow.status == "complete")
        .order_by(SnapshotRow.taken_at, SnapshotRow.id)
        .limit(1)
    ).first()
    if found is None:
        return None
    snapshot_id, taken_at, nav_usdt, run_id = found
    return BenchmarkStart(snapshot_id, taken_at, nav_usdt if nav_usdt is not None else ZERO, run_id)


def _stored(row: BenchmarkStateRow) -> StoredBenchmark:
    state = BenchmarkState(
        started_at=row.started_at,
        units={Asset(a): Decimal(u) for a, u in row.units.items()},
        last_key=EventKey(row.last_event_time, row.last_event_rank, row.last_event_ref),
    )
    return StoredBenchmark(state, row.spec_fingerprint, row.start_snapshot_id, row.event_count)


def _run_prices(session: Session, run_id: str, assets: Collection[Asset]) -> dict[Asset, Decimal]:
    rows = session.execute(
        select(RunPriceRow.asset, RunPriceRow.price_usdt).where(
            RunPriceRow.run_id == run_id, RunPriceRow.asset.in_(list(assets))
        )
    )
    return {Asset(asset): price for asset, price in rows}


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
