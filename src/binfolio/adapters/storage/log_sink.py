"""A bounded log table: recent records for the dashboard's live view and for `binfolio` users
who look at a run after the fact.

Records are buffered in memory while a command runs and written in one transaction when it
ends (a write per record would put the database on every hot path). Only the newest
``keep_rows`` rows are kept, so the table never grows without bound.
"""

from __future__ import annotations

import logging
from collections import deque
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import transaction
from binfolio.adapters.storage.models import LogRow, RunRow

DEFAULT_KEEP_ROWS = 10_000


class DatabaseLogSink(logging.Handler):
    """Buffers ``binfolio.*`` records (already redacted by the handler's filter) for the DB."""

    def __init__(
        self,
        *,
        level: int = logging.INFO,
        buffer_size: int = 2_000,
        keep_rows: int = DEFAULT_KEEP_ROWS,
    ) -> None:
        super().__init__(level)
        self.keep_rows = keep_rows
        # A bounded buffer: a runaway loop must not eat the memory of a long command.
        self._pending: deque[LogRow] = deque(maxlen=buffer_size)

    def filter(self, record: logging.LogRecord) -> bool:
        # Our own records only: library chatter (httpx, uvicorn) stays in the file log.
        return record.name.startswith("binfolio") and super().filter(record)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_text:
            message = f"{message}\n{record.exc_text}"
        run_id = getattr(record, "run_id", None)
        self._pending.append(
            LogRow(
                created_at=datetime.fromtimestamp(record.created, UTC),
                level=record.levelname,
                logger=record.name[:100],
                message=message,
                run_id=run_id if isinstance(run_id, str) else None,
            )
        )

    @property
    def pending(self) -> int:
        """Records waiting to be written."""
        return len(self._pending)

    def write(self, factory: sessionmaker[Session]) -> int:
        """Write the buffered records and prune the table to the newest ``keep_rows``.

        Raises:
            SQLAlchemyError: when the database cannot take them (the records stay buffered).
        """
        # Taken out one by one (popleft is atomic): `serve` writes from a worker thread while
        # the event loop keeps logging, and a record logged meanwhile must wait for the next
        # write rather than be cleared unwritten.
        rows = [self._pending.popleft() for _ in range(len(self._pending))]
        if not rows:
            return 0
        try:
            self._store(factory, rows)
        except BaseException:
            self._pending.extendleft(reversed(rows))
            raise
        return len(rows)

    def _store(self, factory: sessionmaker[Session], rows: list[LogRow]) -> None:
        with transaction(factory) as session:
            named = {row.run_id for row in rows if row.run_id is not None}
            if named:
                # A record may name a run whose row was never written (the run failed early).
                known = set(session.scalars(select(RunRow.id).where(RunRow.id.in_(named))))
                for row in rows:
                    if row.run_id not in known:
                        row.run_id = None
            session.add_all(rows)
            session.flush()
            newest_id = session.scalar(select(func.max(LogRow.id)))
            if newest_id is not None and newest_id > self.keep_rows:
                session.execute(delete(LogRow).where(LogRow.id <= newest_id - self.keep_rows))
