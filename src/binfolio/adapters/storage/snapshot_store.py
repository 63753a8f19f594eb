"""Persisting snapshot runs: the run record, and per account one transaction holding its
snapshot, asset rows, the run's prices it used, its counters in the run record, and (through
the flow writer) its cash flows. A process killed mid-run therefore leaves whole accounts or none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.base import core_table
from binfolio.adapters.storage.database import insert_if_absent, transaction
from binfolio.adapters.storage.export_repo import enqueue_run_rows
from binfolio.adapters.storage.ledger_repo import write_ledger_update
from binfolio.adapters.storage.models import (
    AccountRow,
    RunPriceRow,
    RunRow,
    SnapshotAssetRow,
    SnapshotRow,
)
from binfolio.domain.snapshot import Snapshot
from binfolio.domain.valuation import AssetPrice
from binfolio.services.ports import AccountLine, LedgerUpdate

RUN_KIND = "snapshot"
_SNAPSHOTS = core_table(SnapshotRow)
_ASSETS = core_table(SnapshotAssetRow)
_RUN_PRICES = core_table(RunPriceRow)
_RUNS = core_table(RunRow)


def account_id_for(session: Session, name: str, now: datetime) -> int:
    """The id of the account called ``name``, created on first sight."""
    found = session.scalar(select(AccountRow.id).where(AccountRow.name == name))
    if found is not None:
        return found
    try:
        with session.begin_nested():  # another process may create it at the same moment
            row = AccountRow(name=name, created_at=now)
            session.add(row)
    except IntegrityError:
        return session.scalars(select(AccountRow.id).where(AccountRow.name == name)).one()
    return row.id


class SnapshotStore:
    """Writes one run (:class:`binfolio.services.ports.RunWriter`).

    Not shared between runs: it remembers which prices it stored.
    """

    def __init__(
        self, factory: sessionmaker[Session], run_id: str, *, outbox: bool = False
    ) -> None:
        self._factory = factory
        self.run_id = run_id
        # Sheets export on: each account's row is queued in its own snapshot transaction, so a
        # stored snapshot always has its row waiting (docs/exports.md).
        self._outbox = outbox
        self._prices_written: set[str] = set()
        self._account_ids: dict[str, int] = {}

    def start_run(
        self, started_at: datetime, *, stale_after: timedelta, account_names: Iterable[str] = ()
    ) -> None:
        """Open the run record and make sure every account exists (hooks look them up).

        Older runs still "running" died (killed process) and are marked interrupted.
        """
        names = sorted(set(account_names))
        with transaction(self._factory) as session:
            if names:
                # Another process may add the same name at this moment: insert if absent.
                insert_if_absent(
                    session,
                    AccountRow,
                    [{"name": name, "created_at": started_at} for name in names],
                    ["name"],
                )
                rows = session.execute(
                    select(AccountRow.name, AccountRow.id).where(AccountRow.name.in_(names))
                )
                self._account_ids = {name: account_id for name, account_id in rows}  # noqa: C416
            session.execute(
                update(RunRow)
                .where(
                    RunRow.kind == RUN_KIND,
                    RunRow.status == "running",
                    RunRow.started_at < started_at - stale_after,
                )
                .values(status="interrupted")
            )
            session.add(
                RunRow(
                    id=self.run_id,
                    kind=RUN_KIND,
                    status="running",
                    started_at=started_at,
                    requests=0,
                    weight_used=0,
                    errors=[],
                    detail={},
                )
            )

    def write_account(
        self,
        name: str,
        taken_at: datetime,
        snapshot: Snapshot,
        line: AccountLine,
        prices: Iterable[AssetPrice],
        ledger: LedgerUpdate | None = None,
    ) -> int:
        """Write one account's snapshot, assets, prices and run line in one transaction.

        Returns:
            The new snapshot's id.
        """
        # Core INSERT statements on the session's connection, not the ORM: a 100-account run
        # writes 100 of these while the event loop waits; the ORM's bulk path took 2.0-3.7 ms
        # an account against 1.6-2.2 ms (its unit of work had tripled the cost).
        new_prices = [
            p for p in prices if p.price_usdt is not None and p.asset not in self._prices_written
        ]
        with transaction(self._factory) as session:
            account_id = self._account_ids.get(name) or account_id_for(session, name, taken_at)
            connection = session.connection()
            snapshot_id: int = connection.execute(
                insert(_SNAPSHOTS)
                .values(_snapshot_values(self.run_id, account_id, taken_at, snapshot, line.errors))
                .returning(_SNAPSHOTS.c.id)
            ).scalar_one()
            if snapshot.assets:
                connection.execute(insert(_ASSETS), _asset_values(snapshot_id, snapshot))
            if new_prices:
                connection.execute(
                    insert(_RUN_PRICES),
                    [
                        {
                            "run_id": self.run_id,
                            "asset": p.asset,
                            "price_usdt": p.price_usdt,
                            "price_source": p.source.value,
                        }
                        for p in new_prices
                    ],
                )
            connection.execute(
                update(_RUNS)
                .where(_RUNS.c.id == self.run_id)
                .values(
                    requests=_RUNS.c.requests + line.requests,
                    weight_used=_RUNS.c.weight_used + line.weight,
                )
            )
            if ledger is not None:
                write_ledger_update(session, account_id, ledger)
            if self._outbox:
                enqueue_run_rows(
                    session,
                    run_id=self.run_id,
                    account_id=account_id,
                    snapshot_id=snapshot_id,
                    created_at=taken_at,
                )
        self._prices_written.update(p.asset for p in new_prices)
        return snapshot_id

    def finish_run(
        self,
        finished_at: datetime,
        *,
        status: str,
        requests: int,
        weight: int,
        errors: Iterable[str],
        detail: Mapping[str, AccountLine],
    ) -> None:
        """Close the run record with the final counters (including the shared price request)."""
        with transaction(self._factory) as session:
            run = session.get_one(RunRow, self.run_id, with_for_update=True)
            run.status = status
            run.finished_at = finished_at
            run.duration_ms = (finished_at - run.started_at) // timedelta(milliseconds=1)
            run.requests = requests
            run.weight_used = weight
            run.errors = list(errors)
            run.detail = {name: _line_json(line) for name, line in detail.items()}


def _line_json(line: AccountLine) -> dict[str, Any]:
    return {
        "status": line.status,
        "requests": line.requests,
        "weight": line.weight,
        "errors": list(line.errors),
        "duration_ms": line.duration_ms,
    }


def _snapshot_values(
    run_id: str, account_id: int, taken_at: datetime, snapshot: Snapshot, reasons: Iterable[str]
) -> dict[str, Any]:
    totals = snapshot.wallet_totals
    rec = snapshot.reconciliation
    return {
        "run_id": run_id,
        "account_id": account_id,
        "taken_at": taken_at,
        "status": snapshot.status.value,
        "nav_usdt": snapshot.nav_usdt,
        "spot_usdt": totals.get("spot"),
        "funding_usdt": totals.get("funding"),
        "earn_usdt": totals.get("earn"),
        "futures_usdt": totals.get("futures"),
        "reasons": list(reasons),
        "unpriced": list(snapshot.unpriced),
        "binance_total_usdt": rec.binance_total_usdt if rec else None,
        "drift_pct": rec.drift_pct if rec else None,
        "drift_flagged": rec.flagged if rec else False,
    }


def _asset_values(snapshot_id: int, snapshot: Snapshot) -> list[dict[str, Any]]:
    return [
        {
            "snapshot_id": snapshot_id,
            "wallet": v.holding.wallet.value,
            "asset": v.holding.asset,
            "amount": v.holding.amount,
            "price": v.price.price_usdt,
            "price_source": v.price.source.value,
            "value_usdt": v.value_usdt,
            "wallet_balance": v.holding.wallet_balance,
            "unrealized_pnl": v.holding.unrealized_pnl,
        }
        for v in snapshot.assets
    ]
