"""Server-sent events: new snapshots (pages refresh their numbers) and live log records.

Both streams wait on the app's :class:`Watcher`; database reads run in worker threads.
Log records reach the table when the process that logged them writes its buffer (at the end
of a command today), so "live" means as soon as they are stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Header, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from binfolio.adapters.storage.dashboard_rows import LogLine
from binfolio.entrypoints.web.dashboard.deps import State
from binfolio.entrypoints.web.dashboard.watcher import Newest

router = APIRouter(prefix="/api", tags=["live"])

BACKLOG = 200
BATCH = 500
Level = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
LEVELS: tuple[str, ...] = get_args(Level)
# How long a browser waits before reconnecting a dropped stream, in ms.
RETRY_MS = 3000


@router.get("/events", response_class=EventSourceResponse)
async def events(state: State) -> AsyncIterator[ServerSentEvent]:
    """``snapshot`` events: ``{"snapshot_id": N}`` at once, then whenever a newer one lands."""
    seen: Newest | None = None
    last_sent = -1
    async with state.watcher.listening():
        while True:
            seen = await state.watcher.next_change(seen)
            if seen.snapshot_id != last_sent:
                last_sent = seen.snapshot_id
                yield ServerSentEvent(
                    data={"snapshot_id": seen.snapshot_id}, event="snapshot", retry=RETRY_MS
                )


@router.get("/logs/stream", response_class=EventSourceResponse)
async def log_stream(
    state: State,
    level: Annotated[Level, Query(description="Lowest level shown.")] = "INFO",
    after: Annotated[int | None, Query(ge=0, description="Only records after this id.")] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> AsyncIterator[ServerSentEvent]:
    """``log`` events, oldest first: the newest records (or those after ``after`` or the
    ``Last-Event-ID`` a reconnecting browser sends), then each new one as it is stored."""
    lowest = LEVELS.index(level)
    cursor = after
    if last_event_id is not None and last_event_id.isdigit():
        cursor = int(last_event_id)
    seen: Newest | None = None
    async with state.watcher.listening():
        lines = await asyncio.to_thread(state.repo.logs, cursor, BACKLOG)
        while True:
            for line in lines:
                cursor = line.id
                if _rank(line.level) >= lowest:
                    yield _event(line)
            if lines and len(lines) == BATCH:
                lines = await asyncio.to_thread(state.repo.logs, cursor, BATCH)
                continue
            seen = await state.watcher.next_change(seen)
            if cursor is None or seen.log_id > cursor:
                lines = await asyncio.to_thread(state.repo.logs, cursor or 0, BATCH)
            else:
                lines = []


def _rank(level: str) -> int:
    """A level's place in LEVELS; an unknown level (a custom one) always shows."""
    return LEVELS.index(level) if level in LEVELS else len(LEVELS)


def _event(line: LogLine) -> ServerSentEvent:
    return ServerSentEvent(
        data={
            "id": line.id,
            "time": line.created_at.isoformat(),
            "level": line.level,
            "logger": line.logger,
            "message": line.message,
            "run_id": line.run_id,
        },
        event="log",
        id=str(line.id),
        retry=RETRY_MS,
    )
