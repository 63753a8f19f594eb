"""Every SQL statement of the web dashboard: indexed range queries, never a whole table.

Each read is bounded by an index: snapshots by ``(account_id, taken_at)``, cash flows by
``(account_id, time)``, asset rows by ``(snapshot_id, …)``, logs and snapshots by primary key.
The figures themselves come from the report service (:func:`build_report`), so the dashboard
and ``binfolio report`` can never disagree.

The one hot read, a chart's NAV column (five years of hourly snapshots is 43,800 rows), goes
straight to the DB-API cursor as plain floats: SQLAlchemy's result layer costs 25-45 ms more
over that many rows than the query itself (measured in ``benchmarks/README.md``, dashboard).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, Select, cast, desc, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, aliased, sessionmaker

from binfolio.adapters.storage.dashboard_rows import (
    AccountStatus,
    ChartInputs,
    FlowLine,
    HoldingRow,
    Holdings,
    LogLine,
    NavColumns,
    RunLine,
)
from binfolio.adapters.storage.models import (
    AccountRow,
    CashFlowRow,
    LogRow,
    RunPriceRow,
    RunRow,
    SnapshotAssetRow,
    SnapshotRow,
)
from binfolio.adapters.storage.report_repo import ReportRepo
from binfolio.adapters.storage.schedule_repo import ScheduleRepo
from binfolio.adapters.storage.schema import schema_status
from binfolio.domain.performance import FlowAt
from binfolio.domain.periods import Period
from binfolio.errors import StorageError
from binfolio.services.ports import SchemaStatus
from binfolio.services.report.figures import Report, build_report

# 1970-01-01 as a Julian day: SQLite's julianday() minus this, in ms, is Unix time in ms.
_UNIX_EPOCH_JULIAN_DAY = 2440587.5
_MS_PER_DAY = 86_400_000.0


SessionFactory = sessionmaker[Session]
"""What a :class:`DashboardRepo` reads through (``binfolio.bootstrap.App.session_factory``)."""


class DashboardRepo:
    """The dashboard's reads on one session factory; every method opens its own session."""

    def __init__(self, factory: SessionFactory) -> None:
        self._factory = factory

    def circuit_states(self) -> dict[str, str]:
        """Account name → circuit state, as the serve loop's breakers store them."""
        return ScheduleRepo(self._factory).circuit_states()

    def report(self, period: Period, account: str | None = None) -> Report:
        """The report service's figures (``binfolio report``) for the period.

        For one ``account``, its line only: no page shows the "all" line of a single account.

        Raises:
            UnknownAccountError: when ``account`` is given but unknown.
        """
        with self._session() as session:
            return build_report(ReportRepo(session), period, account, total=account is None)

    def account_statuses(self, name: str | None = None) -> list[AccountStatus]:
        """Every account (or the one called ``name``) with its latest snapshot and the time of
        its latest complete one."""
        # Aliases: the outer query joins snapshots too, and must not correlate with these.
        later, complete = aliased(SnapshotRow), aliased(SnapshotRow)
        newest = (
            select(later.id)
            .where(later.account_id == AccountRow.id)
            .order_by(desc(later.taken_at), desc(later.id))
            .limit(1)
            .correlate(AccountRow)
            .scalar_subquery()
        )
        last_complete = (
            select(complete.taken_at)
            .where(complete.account_id == AccountRow.id, complete.status == "complete")
            .order_by(desc(complete.taken_at))
            .limit(1)
            .correlate(AccountRow)
            .scalar_subquery()
        )
        query = (
            select(
                AccountRow.id,
                AccountRow.name,
                AccountRow.created_at,
                last_complete,
                SnapshotRow,
                RunRow.status,
            )
            .select_from(AccountRow)
            .outerjoin(SnapshotRow, SnapshotRow.id == newest)
            .outerjoin(RunRow, RunRow.id == SnapshotRow.run_id)
            .order_by(AccountRow.name)
        )
        if name is not None:
            query = query.where(AccountRow.name == name)
        with self._session() as session:
            return [
                _status(account_id, name, created, complete_at, snapshot, run_status)
                for account_id, name, created, complete_at, snapshot, run_status in session.execute(
                    query
                )
            ]

    def account_names(self) -> list[str]:
        """Every account's name, sorted."""
        with self._session() as session:
            return list(session.scalars(select(AccountRow.name).order_by(AccountRow.name)))

    def account_id(self, name: str) -> int | None:
        """The id of the account called ``name``."""
        with self._session() as session:
            return session.scalar(select(AccountRow.id).where(AccountRow.name == name))

    def newest_snapshot_id(self) -> int:
        """The id of the newest snapshot of any account (0 when there is none)."""
        return self.newest_ids()[0]

    def newest_ids(self) -> tuple[int, int]:
        """The newest snapshot id and the newest log id (0 for none): two index lookups."""
        with self._session() as session:
            snapshot_id = session.scalar(select(func.max(SnapshotRow.id)))
            log_id = session.scalar(select(func.max(LogRow.id)))
        return snapshot_id or 0, log_id or 0

    def chart_inputs(self, account_id: int, since: datetime | None, until: datetime) -> ChartInputs:
        """What an account's chart over ``(since, until]`` needs, read in one session.

        The series starts where the report's figures start: at the last complete snapshot at
        or before ``since``; flows are read as the report reads them.
        """
        with self._session() as session:
            source = ReportRepo(session)
            start = source.base_times([account_id], since).get(account_id)
            query = select(
                SnapshotRow.id,
                _epoch_ms(session, SnapshotRow.taken_at),
                cast(SnapshotRow.nav_usdt, Float),
            ).where(
                SnapshotRow.account_id == account_id,
                SnapshotRow.status == "complete",
                SnapshotRow.taken_at <= until,
            )
            if start is not None:
                query = query.where(SnapshotRow.taken_at >= start)
            # By time alone, so that the (account_id, taken_at) index gives the order: one
            # account's snapshots never share a time.
            rows = _cursor_rows(session, query.order_by(SnapshotRow.taken_at))
            flows = source.flows([account_id], start, until).get(account_id, [])
            path = source.benchmark_paths([account_id], until).get(account_id)
        return ChartInputs(
            start=start,
            columns=NavColumns([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]),
            flows=[
                FlowAt(time, value if kind == "deposit" else -value)
                for time, kind, value in flows
                if value is not None  # not valued yet: left out, as the report does
            ],
            benchmark=path,
        )

    def snapshot_points(
        self, snapshot_ids: Sequence[int], assets: Collection[str]
    ) -> tuple[dict[int, datetime], dict[int, dict[str, Decimal]]]:
        """For the given snapshots: their exact times, and their runs' prices of ``assets``."""
        if not snapshot_ids:
            return {}, {}
        query = select(
            SnapshotRow.id, SnapshotRow.taken_at, RunPriceRow.asset, RunPriceRow.price_usdt
        ).where(SnapshotRow.id.in_(list(snapshot_ids)))
        query = query.outerjoin(
            RunPriceRow,
            (RunPriceRow.run_id == SnapshotRow.run_id) & RunPriceRow.asset.in_(sorted(assets)),
        )
        times: dict[int, datetime] = {}
        prices: dict[int, dict[str, Decimal]] = {}
        with self._session() as session:
            for snapshot_id, taken_at, asset, price in session.execute(query):
                times[snapshot_id] = taken_at
                if asset is not None:
                    prices.setdefault(snapshot_id, {})[asset] = price
        return times, prices

    def flows(
        self, account_id: int, start: datetime | None, until: datetime, limit: int
    ) -> list[FlowLine]:
        """The newest ``limit`` ledger flows in ``(start, until]``, newest first."""
        query = select(
            CashFlowRow.time,
            CashFlowRow.kind,
            CashFlowRow.coin,
            CashFlowRow.amount,
            CashFlowRow.fee,
            CashFlowRow.value_usdt,
            CashFlowRow.price_source,
        ).where(CashFlowRow.account_id == account_id, CashFlowRow.time <= until)
        if start is not None:
            query = query.where(CashFlowRow.time > start)
        query = query.order_by(desc(CashFlowRow.time), desc(CashFlowRow.id)).limit(limit)
        with self._session() as session:
            return [FlowLine(*row) for row in session.execute(query)]

    def holdings(self, account_id: int, until: datetime | None = None) -> Holdings | None:
        """The newest snapshot at or before ``until`` that is not failed, with its assets."""
        query = select(SnapshotRow).where(
            SnapshotRow.account_id == account_id, SnapshotRow.status != "failed"
        )
        if until is not None:
            query = query.where(SnapshotRow.taken_at <= until)
        query = query.order_by(desc(SnapshotRow.taken_at), desc(SnapshotRow.id)).limit(1)
        with self._session() as session:
            snapshot = session.scalar(query)
            if snapshot is None:
                return None
            assets = session.execute(
                select(
                    SnapshotAssetRow.wallet,
                    SnapshotAssetRow.asset,
                    SnapshotAssetRow.amount,
                    SnapshotAssetRow.price,
                    SnapshotAssetRow.price_source,
                    SnapshotAssetRow.value_usdt,
                ).where(SnapshotAssetRow.snapshot_id == snapshot.id)
            )
            rows = [HoldingRow(*row) for row in assets]
        rows.sort(key=lambda row: (-row.value_usdt, row.wallet, row.asset))
        return Holdings(
            snapshot.id,
            snapshot.taken_at,
            snapshot.status,
            snapshot.nav_usdt,
            list(snapshot.unpriced),
            rows,
        )

    def runs(
        self, account_id: int, start: datetime | None, until: datetime, limit: int
    ) -> list[RunLine]:
        """The account's newest ``limit`` snapshot runs in ``[start, until]``, newest first."""
        query = (
            select(SnapshotRow, RunRow)
            .join(RunRow, RunRow.id == SnapshotRow.run_id)
            .where(SnapshotRow.account_id == account_id, SnapshotRow.taken_at <= until)
        )
        if start is not None:
            query = query.where(SnapshotRow.taken_at >= start)
        query = query.order_by(desc(SnapshotRow.taken_at), desc(SnapshotRow.id)).limit(limit)
        with self._session() as session:
            name = session.scalar(select(AccountRow.name).where(AccountRow.id == account_id))
            return [
                RunLine(
                    run_id=run.id,
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    run_status=run.status,
                    snapshot_status=snapshot.status,
                    nav_usdt=snapshot.nav_usdt,
                    detail=_account_detail(run.detail, name),
                    reasons=list(snapshot.reasons),
                    run_duration_ms=run.duration_ms,
                    run_requests=run.requests,
                    run_weight=run.weight_used,
                )
                for snapshot, run in session.execute(query).all()
            ]

    def logs(self, after_id: int | None, limit: int) -> list[LogLine]:
        """Log records after ``after_id`` (oldest first), or the newest ``limit`` when None."""
        query = select(
            LogRow.id, LogRow.created_at, LogRow.level, LogRow.logger, LogRow.message, LogRow.run_id
        )
        if after_id is None:
            query = query.order_by(desc(LogRow.id)).limit(limit)
        else:
            query = query.where(LogRow.id > after_id).order_by(LogRow.id).limit(limit)
        with self._session() as session:
            lines = [LogLine(*row) for row in session.execute(query)]
        return sorted(lines, key=lambda line: line.id)

    def schema_status(self) -> SchemaStatus:
        """Whether the database is reachable and at the newest migration."""
        return schema_status(self._factory.kw["bind"])

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A session; any database error leaves as :class:`StorageError`."""
        try:
            with self._factory() as session:
                yield session
        except SQLAlchemyError as exc:
            raise StorageError(type(exc).__name__) from exc


def _status(
    account_id: int,
    name: str,
    created_at: datetime,
    last_complete_at: datetime | None,
    snapshot: SnapshotRow | None,
    run_status: str | None,
) -> AccountStatus:
    if snapshot is None:
        return AccountStatus(account_id, name, created_at)
    return AccountStatus(
        account_id=account_id,
        name=name,
        created_at=created_at,
        snapshot_id=snapshot.id,
        taken_at=snapshot.taken_at,
        status=snapshot.status,
        reasons=list(snapshot.reasons),
        unpriced=list(snapshot.unpriced),
        drift_flagged=snapshot.drift_flagged,
        drift_pct=snapshot.drift_pct,
        run_status=run_status,
        last_complete_at=last_complete_at,
    )


def _account_detail(detail: dict[str, Any], name: str | None) -> dict[str, Any]:
    line = detail.get(name) if name is not None else None
    return dict(line) if isinstance(line, dict) else {}


def _epoch_ms(session: Session, column: Any) -> Any:
    """Unix time in ms as a float, computed by the database (no datetime per row)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.round((func.julianday(column) - _UNIX_EPOCH_JULIAN_DAY) * _MS_PER_DAY)
    return func.round(func.date_part("epoch", column) * 1000)


def _cursor_rows(session: Session, query: Select[Any]) -> list[tuple[Any, ...]]:
    """Rows of ``query`` from the DB-API cursor, bind values processed as SQLAlchemy would."""
    connection = session.connection()
    dialect = connection.dialect
    compiled = query.compile(dialect=dialect)
    values = compiled.construct_params()
    processors: dict[str, Callable[[Any], Any] | None] = {
        name: bind.type.dialect_impl(dialect).bind_processor(dialect)
        for name, bind in compiled.binds.items()
    }
    for name, value in values.items():
        process = processors.get(name)
        if process is not None:
            values[name] = process(value)
    arguments: Any = (
        [values[name] for name in compiled.positiontup or ()] if compiled.positional else values
    )
    raw = connection.connection.driver_connection
    if raw is None:  # pragma: no cover - a checked-out connection always has one
        raise StorageError("the connection has no DB-API connection")
    # psycopg's binary format: floats and integers arrive without text parsing (~10 ms less
    # over 43,800 rows); SQLite's cursor takes no argument.
    cursor = raw.cursor(binary=True) if dialect.name == "postgresql" else raw.cursor()
    try:
        cursor.execute(str(compiled), arguments)
        return list(cursor.fetchall())
    finally:
        cursor.close()
