"""Tells open pages that a snapshot or a log record arrived, by polling the database cheaply.

Components talk through the database only (a snapshot may come from a cron job on another
host), so the dashboard looks for news: one task per app reads the newest snapshot id and the
newest log id (two primary-key lookups) every ``poll_interval_s``, in a worker thread, and
only while at least one page listens. Listeners then read what is new for themselves.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Newest:
    """The newest snapshot id and log id the database holds (0: none)."""

    snapshot_id: int
    log_id: int


class Watcher:
    """Polls ``read_newest`` while anyone listens and wakes the listeners on change."""

    def __init__(self, read_newest: Callable[[], Newest], interval_s: float) -> None:
        self._read_newest = read_newest
        self._interval_s = interval_s
        self._newest: Newest | None = None
        self._changed: asyncio.Event | None = None
        self._listeners = 0
        self._task: asyncio.Task[None] | None = None

    @asynccontextmanager
    async def listening(self) -> AsyncIterator[None]:
        """Count a listener for as long as the block runs; polling runs while any listen."""
        self._listeners += 1
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._poll(), name="dashboard-watcher")
        try:
            yield
        finally:
            self._listeners -= 1

    async def next_change(self, seen: Newest | None) -> Newest:
        """Wait until the newest ids differ from ``seen`` (at once when already different)."""
        while self._newest is None or self._newest == seen:
            if self._changed is None:
                self._changed = asyncio.Event()
            await self._changed.wait()
        return self._newest

    async def _poll(self) -> None:
        while self._listeners:
            try:
                newest = await asyncio.to_thread(self._read_newest)
            except Exception:  # a database hiccup must not end live views; try again later
                log.warning("the dashboard could not read the newest ids", exc_info=True)
            else:
                if newest != self._newest:
                    self._newest = newest
                    changed, self._changed = self._changed, asyncio.Event()
                    if changed is not None:
                        changed.set()
            await asyncio.sleep(self._interval_s)
        self._task = None
