"""The bounded log table: redacted binfolio records, written at the end, pruned to a size."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import Engine, select

from binfolio.adapters.storage.database import make_session_factory, transaction
from binfolio.adapters.storage.log_sink import DatabaseLogSink
from binfolio.adapters.storage.models import LogRow, RunRow
from binfolio.log import Redactor, setup_logging


def _install(sink: DatabaseLogSink, secret: str = "sink-secret-123456") -> None:
    setup_logging(level="INFO", file_path=None, redactor=Redactor([secret]), extra_handlers=[sink])


def test_records_are_redacted_written_once_and_library_noise_skipped(engine: Engine) -> None:
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        session.add(
            RunRow(
                id="run-1",
                kind="snapshot",
                status="complete",
                started_at=datetime(2026, 11, 22, tzinfo=UTC),
                requests=0,
                weight_used=0,
                errors=[],
                detail={},
            )
        )
    sink = DatabaseLogSink()
    _install(sink)

    logging.getLogger("binfolio.test").warning(
        "key sink-secret-123456 refused", extra={"run_id": "run-1"}
    )
    logging.getLogger("binfolio.test").info("no run here", extra={"run_id": "never-written"})
    logging.getLogger("httpx").warning("library noise")
    written = sink.write(factory)
    again = sink.write(factory)

    assert (written, again) == (2, 0)
    with factory() as session:
        rows = session.scalars(select(LogRow).order_by(LogRow.id)).all()
    assert [(r.level, r.logger, r.message, r.run_id) for r in rows] == [
        ("WARNING", "binfolio.test", "key *** refused", "run-1"),
        ("INFO", "binfolio.test", "no run here", None),
    ]
    assert rows[0].created_at.tzinfo is not None


def test_table_keeps_only_the_newest_rows(engine: Engine) -> None:
    factory = make_session_factory(engine)
    sink = DatabaseLogSink(keep_rows=5)
    _install(sink)
    logger = logging.getLogger("binfolio.test")

    for batch in range(3):
        for number in range(4):
            logger.info("batch %d record %d", batch, number)
        sink.write(factory)

    with factory() as session:
        messages = session.scalars(select(LogRow.message).order_by(LogRow.id)).all()
    assert messages == [
        "batch 1 record 3",
        "batch 2 record 0",
        "batch 2 record 1",
        "batch 2 record 2",
        "batch 2 record 3",
    ]
