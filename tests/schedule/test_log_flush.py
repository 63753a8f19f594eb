"""`serve` writes the log buffer from a worker thread while the event loop keeps logging:
a record logged during a write waits for the next one instead of being lost."""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from binfolio.adapters.storage.database import make_session_factory
from binfolio.adapters.storage.log_sink import DatabaseLogSink
from binfolio.adapters.storage.models import LogRow


def test_records_logged_while_a_write_is_under_way_are_kept_for_the_next(engine: Engine) -> None:
    factory = make_session_factory(engine)
    sink = DatabaseLogSink(buffer_size=100_000)
    logger = logging.getLogger("binfolio.test.flush")
    logger.addHandler(sink)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    done = threading.Event()

    def keep_writing() -> None:
        while not done.is_set():
            sink.write(factory)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        for i in range(3000):
            logger.info("record %d", i)
    finally:
        done.set()
        writer.join()
        logger.removeHandler(sink)
    sink.write(factory)

    with Session(engine) as session:
        stored = session.scalar(select(func.count()).select_from(LogRow))
    assert stored == 3000
    assert sink.pending == 0
