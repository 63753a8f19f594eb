"""The stores on one database, and the worker threads their calls from async code run in."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.account_repo import AccountRepo
from binfolio.adapters.storage.benchmark_repo import BenchmarkRepo
from binfolio.adapters.storage.ledger_repo import KlineRepo, LedgerRepo
from binfolio.adapters.storage.models import AccountRow, SnapshotRow
from binfolio.adapters.storage.report_repo import ReportRepo
from binfolio.adapters.storage.runner import MIN_DB_THREADS, DbRunner
from binfolio.adapters.storage.snapshot_store import SnapshotStore


class SqlStorage:
    """:class:`binfolio.services.ports.Storage` on a SQLAlchemy session factory."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        runner: DbRunner | None = None,
        *,
        outbox: bool = False,
    ) -> None:
        self.factory = factory
        self.outbox = outbox
        self.db = runner or DbRunner(MIN_DB_THREADS)
        self.ledger = LedgerRepo(factory)
        self.klines = KlineRepo(factory)
        self.benchmarks = BenchmarkRepo(factory)
        self.accounts = AccountRepo(factory)

    def run_writer(self, run_id: str) -> SnapshotStore:
        """A writer for one snapshot run."""
        return SnapshotStore(self.factory, run_id, outbox=self.outbox)

    def account_ids(self, names: Collection[str]) -> dict[str, int]:
        """Ids of the named accounts that exist."""
        with self.factory() as session:
            rows = session.execute(
                select(AccountRow.name, AccountRow.id).where(AccountRow.name.in_(list(names)))
            )
            return {name: account_id for name, account_id in rows}  # noqa: C416

    @contextmanager
    def report_source(self) -> Iterator[ReportRepo]:
        """What a report reads, through one session (one consistent read)."""
        with self.factory() as session:
            yield ReportRepo(session)

    def collected_accounts(self, only: str | None = None) -> list[tuple[int, str]]:
        """(id, name) of every account with at least one snapshot, by name."""
        with self.factory() as session:
            query = select(AccountRow.id, AccountRow.name).where(
                AccountRow.id.in_(select(SnapshotRow.account_id).distinct())
            )
            if only is not None:
                query = query.where(AccountRow.name == only)
            return [(i, n) for i, n in session.execute(query.order_by(AccountRow.name))]

    def close(self) -> None:
        """Stop the worker threads (the engine is its owner's to dispose)."""
        self.db.close()
