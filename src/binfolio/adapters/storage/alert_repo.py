"""SQL of the alerts and the circuit breakers: their states, and the figures the rules read.

States change under a row lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite lets one writer in
at a time), so that two processes never both raise the same alert. The figures come from the
report's own readers and arithmetic, so an alert and ``binfolio report`` always agree.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import insert_if_absent, transaction
from binfolio.adapters.storage.models import (
    AccountRow,
    AlertStateRow,
    CircuitStateRow,
    SnapshotRow,
)
from binfolio.adapters.storage.report_repo import ReportRepo
from binfolio.domain.alerts import AlertKind, AlertState, Condition, NavMove, Step, advance
from binfolio.domain.circuit import Circuit, CircuitPolicy, CircuitState, Transition
from binfolio.domain.circuit import record as record_run
from binfolio.domain.performance import FlowAt, dietz_chain
from binfolio.domain.periods import Period
from binfolio.services.alerts.ports import AccountFacts, FactsWanted
from binfolio.services.report.figures import build_report, nav_change_net_of_flows


class AlertRepo:
    """:class:`~binfolio.services.alerts.ports.AlertStore` and ``CircuitStore`` on SQLAlchemy."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    # --- alert states -------------------------------------------------------------------------

    def states(self, accounts: Collection[str]) -> dict[tuple[str, AlertKind], AlertState]:
        """The stored states of these accounts' conditions."""
        with self._factory() as session:
            rows = session.scalars(
                select(AlertStateRow).where(AlertStateRow.account.in_(list(accounts)))
            )
            return {(row.account, AlertKind(row.kind)): _state(row) for row in rows}

    def advance(self, conditions: Sequence[Condition], now: datetime) -> list[Step]:
        """Apply the conditions to their states under a row lock; the steps taken."""
        if not conditions:
            return []
        with transaction(self._factory) as session:
            blank = {"active": False, "detail": "", "updated_at": now}
            insert_if_absent(
                session,
                AlertStateRow,
                [{"account": c.account, "kind": c.kind.value, **blank} for c in conditions],
                ["account", "kind"],
            )
            rows = {
                (row.account, row.kind): row
                for row in session.scalars(
                    select(AlertStateRow)
                    .where(AlertStateRow.account.in_({c.account for c in conditions}))
                    .with_for_update()
                )
            }
            steps: list[Step] = []
            for condition in conditions:
                row = rows[(condition.account, condition.kind.value)]
                step = advance(_state(row), condition, now)
                new = step.state
                row.active, row.since, row.last_sent_at = new.active, new.since, new.last_sent_at
                row.detail = new.detail
                row.observed = dict(new.observed) if new.observed is not None else None
                row.updated_at = now
                steps.append(step)
            return steps

    # --- circuit breakers ---------------------------------------------------------------------

    def circuits(self, accounts: Collection[str]) -> dict[str, Circuit]:
        """Each named account's breaker (closed when none is stored or the account is new)."""
        found = dict.fromkeys(accounts, Circuit())
        with self._factory() as session:
            rows = session.execute(
                select(AccountRow.name, CircuitStateRow)
                .join(CircuitStateRow, CircuitStateRow.account_id == AccountRow.id)
                .where(AccountRow.name.in_(list(accounts)))
            )
            for name, row in rows:
                found[name] = _circuit(row)
        return found

    def record(
        self, failed: Mapping[str, bool], run_started_at: datetime, policy: CircuitPolicy
    ) -> dict[str, tuple[Circuit, Transition | None]]:
        """Record one run's outcome per account (True = failed) under a row lock."""
        if not failed:
            return {}
        with transaction(self._factory) as session:
            ids: dict[str, int] = dict(
                session.execute(
                    select(AccountRow.name, AccountRow.id).where(AccountRow.name.in_(list(failed)))
                ).all()
            )
            closed: dict[str, Any] = {
                "state": CircuitState.CLOSED.value,
                "consecutive_failures": 0,
                "probe_delay_slots": 0,
                "updated_at": run_started_at,
            }
            insert_if_absent(
                session,
                CircuitStateRow,
                [{"account_id": account_id, **closed} for account_id in ids.values()],
                ["account_id"],
            )
            rows = {
                row.account_id: row
                for row in session.scalars(
                    select(CircuitStateRow)
                    .where(CircuitStateRow.account_id.in_(list(ids.values())))
                    .with_for_update()
                )
            }
            result: dict[str, tuple[Circuit, Transition | None]] = {}
            for name, account_id in ids.items():
                row = rows[account_id]
                circuit, transition = record_run(
                    _circuit(row), failed[name], run_started_at, policy
                )
                row.state, row.consecutive_failures = (
                    circuit.state.value,
                    circuit.consecutive_failures,
                )
                row.opened_at, row.next_probe_at = circuit.opened_at, circuit.next_probe_at
                row.probe_delay_slots = circuit.probe_delay_slots
                row.updated_at = run_started_at
                result[name] = (circuit, transition)
            return result

    # --- what the rules read ------------------------------------------------------------------

    def facts(
        self,
        accounts: Collection[str],
        run_snapshots: Mapping[str, int],
        now: datetime,
        wanted: FactsWanted,
    ) -> dict[str, AccountFacts]:
        """The figures of each known account (``run_snapshots``: this run's snapshot ids)."""
        with self._factory() as session:
            known = {
                name: (account_id, created_at)
                for account_id, name, created_at in session.execute(
                    select(AccountRow.id, AccountRow.name, AccountRow.created_at).where(
                        AccountRow.name.in_(list(accounts))
                    )
                )
            }
            if not known:
                return {}
            ids = [account_id for account_id, _ in known.values()]
            last_complete: dict[int, datetime] = dict(
                session.execute(
                    select(SnapshotRow.account_id, func.max(SnapshotRow.taken_at))
                    .where(SnapshotRow.account_id.in_(ids), SnapshotRow.status == "complete")
                    .group_by(SnapshotRow.account_id)
                ).all()
            )
            report = ReportRepo(session)
            returns = _drawdown_returns(report, ids, wanted.drawdown_since, now)
            trail = _trail(report, wanted.trail_since, now)
            facts: dict[str, AccountFacts] = {}
            for name, (account_id, created_at) in known.items():
                move = None
                if wanted.nav_move and name in run_snapshots:
                    move = _nav_move(session, report, account_id, run_snapshots[name])
                twr, benchmark_twr = trail.get(name, (None, None))
                facts[name] = AccountFacts(
                    account=name,
                    known_since=created_at,
                    last_complete_at=last_complete.get(account_id),
                    nav_move=move,
                    drawdown_returns=returns.get(account_id),
                    twr=twr,
                    benchmark_twr=benchmark_twr,
                )
            return facts


def _nav_move(
    session: Session, report: ReportRepo, account_id: int, snapshot_id: int
) -> NavMove | None:
    """The interval ending at this run's snapshot, when it is the latest complete one."""
    latest = session.execute(
        select(SnapshotRow.id)
        .where(SnapshotRow.account_id == account_id, SnapshotRow.status == "complete")
        .order_by(SnapshotRow.taken_at.desc(), SnapshotRow.id.desc())
        .limit(2)
    ).scalars()
    pair = list(latest)
    if len(pair) < 2 or pair[0] != snapshot_id:
        return None
    change = nav_change_net_of_flows(report, account_id, pair[1], pair[0])
    return NavMove(
        change.from_nav_usdt,
        change.to_nav_usdt,
        change.net_flows_usdt,
        change.change_pct,
        change.pending_flows,
    )


def _drawdown_returns(
    report: ReportRepo, ids: list[int], since: datetime | None, now: datetime
) -> dict[int, list[Decimal] | None]:
    """Each account's interval returns in the window (None while a flow has no value yet)."""
    if since is None:
        return {}
    snapshots = report.snapshots(ids, since, now)
    flows = report.flows(ids, since, now)
    found: dict[int, list[Decimal] | None] = {}
    for account_id, columns in snapshots.items():
        if not columns.times:
            continue
        account_flows = flows.get(account_id, [])
        if any(value is None for _, _, value in account_flows):
            found[account_id] = None
            continue
        signed = [
            FlowAt(time, value if kind == "deposit" else -value)
            for time, kind, value in account_flows
            if value is not None
        ]
        found[account_id] = dietz_chain(columns.times, columns.navs, signed).returns
    return found


def _trail(
    source: ReportRepo, since: datetime | None, now: datetime
) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """(TWR, benchmark TWR) of every account over the window, as ``binfolio report`` has them."""
    if since is None:
        return {}
    report = build_report(source, Period(since, now))
    # The last line is "all accounts together", which is no account's.
    accounts = report.lines[:-1]
    return {line.account: (line.summary.twr, line.summary.benchmark_twr) for line in accounts}


def _state(row: AlertStateRow) -> AlertState:
    return AlertState(
        row.account,
        AlertKind(row.kind),
        row.active,
        row.since,
        row.last_sent_at,
        row.detail,
        row.observed,
    )


def _circuit(row: CircuitStateRow) -> Circuit:
    return Circuit(
        CircuitState(row.state),
        row.consecutive_failures,
        row.opened_at,
        row.next_probe_at,
        row.probe_delay_slots,
    )
