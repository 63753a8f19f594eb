"""Stored runs for the export tests, written the way the collector writes them.

Each run is one transaction per account holding its snapshot, asset rows, the run's prices and
its outbox row (``enqueue_run_rows``, as the collector calls it inside the snapshot
transaction). Benchmark events and flows can be added to check what a row renders from.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import make_engine, make_session_factory, transaction
from binfolio.adapters.storage.export_repo import ExportRepository, enqueue_run_rows
from binfolio.adapters.storage.models import (
    AccountRow,
    BenchmarkEventRow,
    BenchmarkStateRow,
    CashFlowRow,
    RunPriceRow,
    RunRow,
    SnapshotAssetRow,
    SnapshotRow,
)
from binfolio.config import SheetsSettings
from binfolio.services.export.sender import RetryPolicy
from tests.fakes.google_sheets import FakeGoogle

T0 = datetime(2026, 11, 30, 12, 0, 5, 123456, tzinfo=UTC)
PRICES = {"BTC": Decimal("60000"), "ETH": Decimal("3000"), "USDT": Decimal(1)}
SPREADSHEET = "sheet-1"
WORKSHEET = "Binance Portfolio"


@dataclass
class Store:
    """A migrated database and its outbox repository."""

    factory: sessionmaker[Session]
    repo: ExportRepository
    runs: list[str] = field(default_factory=list)
    clock_at: datetime = T0

    def clock(self) -> datetime:
        return self.clock_at


def open_store(url: str) -> Store:
    factory = make_session_factory(make_engine(url))
    return Store(factory, ExportRepository(factory))


def account_id(factory: sessionmaker[Session], name: str) -> int:
    with transaction(factory) as session:
        found = session.scalar(select(AccountRow.id).where(AccountRow.name == name))
        if found is not None:
            return found
        row = AccountRow(name=name, created_at=T0)
        session.add(row)
        session.flush()
        return row.id


def add_run(
    store: Store,
    navs: Mapping[str, str | None],
    *,
    at: datetime | None = None,
    holdings: Mapping[str, Mapping[str, str]] | None = None,
    status: str = "complete",
    run_status: str = "complete",
    unpriced: tuple[str, ...] = (),
    enqueue: bool = True,
) -> str:
    """One finished run: per account a snapshot (NAV, asset values) and its outbox row."""
    run_id = str(uuid.uuid4())
    started = at or T0 + timedelta(hours=len(store.runs))
    with transaction(store.factory) as session:
        session.add(
            RunRow(
                id=run_id,
                kind="snapshot",
                status=run_status,
                started_at=started,
                finished_at=started + timedelta(seconds=2),
                requests=0,
                weight_used=0,
                errors=[],
                detail={},
            )
        )
        session.add_all(
            RunPriceRow(run_id=run_id, asset=a, price_usdt=p, price_source="usdt")
            for a, p in PRICES.items()
        )
    for name, nav in navs.items():
        owner = account_id(store.factory, name)
        values = (holdings or {}).get(name, {"USDT": nav} if nav is not None else {})
        with transaction(store.factory) as session:
            snapshot = SnapshotRow(
                run_id=run_id,
                account_id=owner,
                taken_at=started + timedelta(seconds=1),
                status=status if nav is not None else "failed",
                nav_usdt=Decimal(nav) if nav is not None else None,
                spot_usdt=Decimal(nav) if nav is not None else None,
                reasons=[],
                unpriced=list(unpriced),
                drift_flagged=False,
            )
            session.add(snapshot)
            session.flush()
            for asset, value in values.items():
                session.add(
                    SnapshotAssetRow(
                        snapshot_id=snapshot.id,
                        wallet="spot",
                        asset=asset,
                        amount=Decimal(value) / PRICES.get(asset, Decimal(1)),
                        price=PRICES.get(asset),
                        price_source="usdt",
                        value_usdt=Decimal(value),
                    )
                )
            if enqueue:
                enqueue_run_rows(session, run_id=run_id, account_id=owner, snapshot_id=snapshot.id)
    store.runs.append(run_id)
    return run_id


def add_benchmark(
    store: Store, name: str, units: Mapping[str, str], *, at: datetime, updated_at: datetime
) -> None:
    """A started benchmark (one start event) and its state, updated up to ``updated_at``."""
    owner = account_id(store.factory, name)
    with transaction(store.factory) as session:
        first = session.scalars(
            select(SnapshotRow.id).where(SnapshotRow.account_id == owner).limit(1)
        ).one()
        session.add(
            BenchmarkEventRow(
                account_id=owner,
                seq=0,
                time=at,
                kind="start",
                value_usdt=Decimal(0),
                net_flow_usdt=Decimal(0),
                units_before={},
                units_after=dict(units),
                prices={},
            )
        )
        session.add(
            BenchmarkStateRow(
                account_id=owner,
                spec_fingerprint="test",
                weights={"BTC": "0.5", "ETH": "0.5"},
                rebalance_cron="0 12 * * 1",
                start_snapshot_id=first,
                started_at=at,
                units=dict(units),
                last_event_time=at,
                last_event_rank=0,
                last_event_ref="",
                event_count=1,
                updated_at=updated_at,
            )
        )


def add_flow(
    store: Store, name: str, kind: str, value: str | None, *, at: datetime, binance_id: str
) -> None:
    """A deposit or withdrawal of ``value`` USDT (None: still being priced)."""
    owner = account_id(store.factory, name)
    with transaction(store.factory) as session:
        session.add(
            CashFlowRow(
                account_id=owner,
                kind=kind,
                binance_id=binance_id,
                coin="USDT",
                amount=Decimal(value or "1"),
                fee=Decimal(0),
                time=at,
                status=1 if kind == "deposit" else 6,
                value_usdt=Decimal(value) if value is not None else None,
                price_usdt=Decimal(1) if value is not None else None,
                price_source="usdt" if value is not None else "pending",
                raw={},
                recorded_at=at,
            )
        )


def sheets_settings(google: FakeGoogle, key: Path, **changes: object) -> SheetsSettings:
    base: dict[str, object] = {
        "service_account_path": key,
        "spreadsheet_id": SPREADSHEET,
        "worksheet": WORKSHEET,
        "api_base_url": google.url,
        "timeout_s": 10.0,
    }
    return SheetsSettings.model_validate(base | changes)


@dataclass
class Sleeps:
    """Records the backoff waits instead of sleeping them."""

    waits: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def fast_policy(sleeps: Sleeps | None = None, **changes: float) -> RetryPolicy:
    base: dict[str, object] = {"backoff_initial_s": 0.5, "sleep": sleeps or Sleeps()}
    return RetryPolicy(**(base | changes))  # type: ignore[arg-type]
