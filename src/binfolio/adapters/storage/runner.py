"""Database work off the event loop: one thread pool, sized with the connection pool.

Async code (a snapshot run, the web servers) never calls the database on its event loop. A
blocking call there freezes every other task; worse, with SQLAlchemy's ``QueuePool`` it can
deadlock: once the pool's connections are held by tasks that wait on the loop, the next
checkout blocks the loop itself until its 30 s timeout (see ``docs/architecture.md``).

So every database call of an async path goes through :meth:`DbRunner.call`, which runs it in a
worker thread. Each call checks a connection out and returns it before it ends, and the pool
has more connections than the runner has threads: a worker never waits for a connection.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from binfolio.errors import StorageError

P = ParamSpec("P")
T = TypeVar("T")

# SQLite lets one writer in at a time and PostgreSQL's default max_connections is 100, shared
# by every binfolio process of a scale-out: more threads than this buy nothing.
MAX_DB_THREADS = 16
MIN_DB_THREADS = 2
# Connections beyond the workers' share, for synchronous callers (a CLI command's own reads,
# the log sink at exit), so that they never wait behind the workers either.
SPARE_CONNECTIONS = 2


@dataclass(frozen=True)
class DbSizing:
    """Worker threads and pooled connections, sized together."""

    threads: int
    connections: int

    @classmethod
    def for_concurrency(cls, concurrency: int) -> DbSizing:
        """Sizing for a run with ``concurrency`` accounts in flight (``collector.concurrency``).

        Each account in flight has at most one database call under way at a time.
        """
        threads = max(MIN_DB_THREADS, min(concurrency, MAX_DB_THREADS))
        return cls(threads=threads, connections=threads + SPARE_CONNECTIONS)


@contextmanager
def storage_errors() -> Iterator[None]:
    """Translate a database failure of synchronous code (a command) into ``StorageError``.

    Raises:
        StorageError: from the SQLAlchemy error.
    """
    try:
        yield
    except SQLAlchemyError as exc:
        raise StorageError(f"{type(exc).__name__}: {exc}") from exc


class DbRunner:
    """Runs blocking database calls in a bounded pool of worker threads."""

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._executor: ThreadPoolExecutor | None = None

    async def call(self, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``function(*args, **kwargs)`` in a worker thread and await its result.

        Raises:
            StorageError: when the database fails the call.
            Exception: whatever else ``function`` raises.
        """
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.threads, thread_name_prefix="binfolio-db")
        loop = asyncio.get_running_loop()
        with storage_errors():  # translated once, for every async caller
            return await loop.run_in_executor(
                self._executor, functools.partial(function, *args, **kwargs)
            )

    def close(self) -> None:
        """Wait for calls under way and stop the threads."""
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
