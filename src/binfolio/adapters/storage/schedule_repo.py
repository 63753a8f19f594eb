"""The schedule's SQL: slot claims, collector heartbeats, retention and the reads of `health`.

Claims are rows of ``slot_claims`` whose primary key is (account, slot): a collector inserts
them if absent and then reads back which rows carry its own id. Two collectors that claim the
same account for the same slot at the same moment cannot both win, on SQLite or PostgreSQL
(PostgreSQL makes the second insert wait for the first to commit, then skips the row).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import insert_if_absent, transaction
from binfolio.adapters.storage.models import (
    AccountRow,
    CircuitStateRow,
    CollectorRow,
    LogRow,
    SlotClaimRow,
    SnapshotRow,
)
from binfolio.services.schedule.ports import CollectorBeat, Pruned


class ScheduleRepo:
    """:class:`binfolio.services.schedule.ports.ScheduleStore` on a SQLAlchemy session factory."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def _account_ids(self, session: Session, names: Sequence[str], now: datetime) -> dict[str, int]:
        # Claims point at account rows; a new account gets its row here, as a run would.
        insert_if_absent(
            session, AccountRow, [{"name": n, "created_at": now} for n in names], ["name"]
        )
        rows = session.execute(
            select(AccountRow.name, AccountRow.id).where(AccountRow.name.in_(names))
        )
        return {name: account_id for name, account_id in rows}  # noqa: C416

    def claim(
        self, slot: datetime, collector_id: str, names: Sequence[str], now: datetime
    ) -> list[str]:
        if not names:
            return []
        with transaction(self._factory) as session:
            ids = self._account_ids(session, names, now)
        # The claim commits on its own: a collector that wins an account must say so at once.
        with transaction(self._factory) as session:
            insert_if_absent(
                session,
                SlotClaimRow,
                [
                    {
                        "account_id": ids[name],
                        "slot_start": slot,
                        "collector_id": collector_id,
                        "claimed_at": now,
                    }
                    for name in names
                ],
                ["account_id", "slot_start"],
            )
        with self._factory() as session:
            won = session.scalars(
                select(AccountRow.name)
                .join(SlotClaimRow, SlotClaimRow.account_id == AccountRow.id)
                .where(
                    SlotClaimRow.slot_start == slot,
                    SlotClaimRow.collector_id == collector_id,
                    AccountRow.name.in_(names),
                )
            )
            mine = set(won)
        return [name for name in names if name in mine]

    def unclaimed(self, slot: datetime, names: Collection[str]) -> list[str]:
        with self._factory() as session:
            taken = set(
                session.scalars(
                    select(AccountRow.name)
                    .join(SlotClaimRow, SlotClaimRow.account_id == AccountRow.id)
                    .where(SlotClaimRow.slot_start == slot, AccountRow.name.in_(list(names)))
                )
            )
        return sorted(set(names) - taken)

    def beat(self, beat: CollectorBeat) -> None:
        values = {
            "host": beat.host[:255],
            "pid": beat.pid,
            "schedule_cron": beat.schedule_cron[:100],
            "started_at": beat.started_at,
            "seen_at": beat.seen_at,
            "next_run_at": beat.next_run_at,
            "last_slot": beat.last_slot,
        }
        with transaction(self._factory) as session:
            changed = session.execute(
                update(CollectorRow).where(CollectorRow.id == beat.collector_id).values(**values)
            )
            if not getattr(changed, "rowcount", 0):
                session.add(CollectorRow(id=beat.collector_id, **values))

    def live_collectors(self, seen_since: datetime) -> list[CollectorBeat]:
        with self._factory() as session:
            rows = session.scalars(
                select(CollectorRow)
                .where(CollectorRow.seen_at >= seen_since)
                .order_by(CollectorRow.id)
            ).all()
        return [
            CollectorBeat(
                collector_id=row.id,
                host=row.host,
                pid=row.pid,
                schedule_cron=row.schedule_cron,
                started_at=row.started_at,
                seen_at=row.seen_at,
                next_run_at=row.next_run_at,
                last_slot=row.last_slot,
            )
            for row in rows
        ]

    def forget_collector(self, collector_id: str) -> None:
        with transaction(self._factory) as session:
            session.execute(delete(CollectorRow).where(CollectorRow.id == collector_id))

    def prune(
        self, *, logs_before: datetime, claims_before: datetime, collectors_before: datetime
    ) -> Pruned:
        with transaction(self._factory) as session:
            logs = session.execute(delete(LogRow).where(LogRow.created_at < logs_before))
            claims = session.execute(
                delete(SlotClaimRow).where(SlotClaimRow.slot_start < claims_before)
            )
            collectors = session.execute(
                delete(CollectorRow).where(CollectorRow.seen_at < collectors_before)
            )
        return Pruned(_count(logs), _count(claims), _count(collectors))

    def last_complete(self, names: Collection[str]) -> dict[str, datetime | None]:
        found: dict[str, datetime | None] = dict.fromkeys(names)
        with self._factory() as session:
            rows = session.execute(
                select(AccountRow.name, func.max(SnapshotRow.taken_at))
                .join(SnapshotRow, SnapshotRow.account_id == AccountRow.id)
                .where(SnapshotRow.status == "complete", AccountRow.name.in_(list(names)))
                .group_by(AccountRow.name)
            )
            for name, taken_at in rows:
                found[name] = taken_at
        return found

    def circuit_states(self) -> dict[str, str]:
        with self._factory() as session:
            rows = session.execute(
                select(AccountRow.name, CircuitStateRow.state).join(
                    CircuitStateRow, CircuitStateRow.account_id == AccountRow.id
                )
            )
            return {name: state for name, state in rows}  # noqa: C416


def _count(result: object) -> int:
    # DELETE and UPDATE results are CursorResults; the generic Result type does not say so.
    return int(getattr(result, "rowcount", 0) or 0)
