"""Run locks: never two runs of the same account at once, across processes and hosts.

Every run (`binfolio snapshot`, each slot of `binfolio serve`) takes one lock per account for
its whole length. Where the lock lives depends on the database, because the database is what
the processes share:

- **PostgreSQL**: session advisory locks (``pg_try_advisory_lock``) on a connection opened for
  the grant alone, outside the pool. Whoever shares the database shares the locks, on any host;
  a process that dies loses its connection, and PostgreSQL drops its locks with it.
- **SQLite file**: one lock file per account in ``<database>.locks/`` beside the database,
  held with the operating system's file locks (the ``filelock`` library: ``flock`` on Unix).
  Every process on the host sees them; the kernel drops them when a process dies. A SQLite
  file is not shared across hosts, so nothing more is needed.
- **SQLite in memory**: one process only; plain thread locks.

Usage, from a thread (the calls block)::

    locks = run_locks_for(engine)
    with locks.acquire_accounts(["main", "side"], wait_s=60) as grant:
        grant.held   # collect these
        grant.busy   # another run holds them: "skipped: already running"
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from filelock import FileLock, Timeout
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

# How often a waiting caller tries again for the accounts it does not hold yet.
POLL_S = 0.1


@dataclass
class LockGrant:
    """The outcome of one acquisition: the accounts held, and those another run holds."""

    held: list[str]
    busy: list[str]
    _release: Callable[[], None] = field(repr=False, default=lambda: None)
    _released: bool = field(default=False, repr=False)

    def release(self) -> None:
        """Release every held lock (idempotent)."""
        if not self._released:
            self._released = True
            self._release()


class RunLocks(Protocol):
    """Per-account run locks."""

    def acquire(self, names: Sequence[str], wait_s: float) -> LockGrant:
        """Take the lock of each account, waiting up to ``wait_s`` for those held elsewhere.

        Accounts still held elsewhere when the wait ends come back in ``busy``; the caller
        must :meth:`LockGrant.release` the grant (any thread may).
        """
        ...

    def close(self) -> None:
        """Release what the locks hold for themselves (connections)."""
        ...


@contextmanager
def acquire_accounts(locks: RunLocks, names: Sequence[str], wait_s: float) -> Iterator[LockGrant]:
    """``with acquire_accounts(locks, names, wait_s) as grant:`` — released on exit."""
    grant = locks.acquire(names, wait_s)
    try:
        yield grant
    finally:
        grant.release()


def run_locks_for(engine: Engine) -> RunLocks:
    """The run locks that suit the database behind ``engine``."""
    url = engine.url
    if url.get_backend_name() == "postgresql":
        return AdvisoryLocks(url.render_as_string(hide_password=False))
    database = url.database
    if url.get_backend_name() == "sqlite" and database and database != ":memory:":
        path = Path(database).expanduser()
        return FileLocks(path.with_name(path.name + ".locks"))
    return ThreadLocks()


def _poll(try_once: Callable[[list[str]], list[str]], names: Sequence[str], wait_s: float) -> None:
    """Call ``try_once(missing) -> newly held`` until all are held or ``wait_s`` has passed."""
    missing = list(dict.fromkeys(names))
    deadline = time.monotonic() + wait_s
    while True:
        got = set(try_once(missing))
        missing = [name for name in missing if name not in got]
        if not missing or time.monotonic() >= deadline:
            return
        time.sleep(min(POLL_S, max(0.0, deadline - time.monotonic())))


class AdvisoryLocks:
    """PostgreSQL session advisory locks, one connection per grant (closed on release)."""

    def __init__(self, url: str) -> None:
        # NullPool: closing a grant's connection really closes it, so no pooled connection
        # can ever carry a forgotten lock into another run.
        self._engine = create_engine(url, poolclass=NullPool)

    def acquire(self, names: Sequence[str], wait_s: float) -> LockGrant:
        connection = self._engine.connect()
        try:
            # Advisory locks are per database, not per schema: the schema is part of the key so
            # that two installations sharing one database never block each other.
            schema = connection.execute(text("select current_schema()")).scalar_one()
            keys = {name: lock_key(f"{schema}\x00{name}") for name in names}
            held: list[str] = []

            def try_once(missing: list[str]) -> list[str]:
                rows = connection.execute(
                    text(
                        "select k, pg_try_advisory_lock(k) from unnest(cast(:keys as bigint[])) k"
                    ),
                    {"keys": [keys[name] for name in missing]},
                ).all()
                connection.commit()  # no transaction left open while the run goes on
                won = {key for key, ok in rows if ok}
                got = [name for name in missing if keys[name] in won]
                held.extend(got)
                return got

            _poll(try_once, names, wait_s)
        except BaseException:
            connection.invalidate()  # closing the session drops any lock taken meanwhile
            raise
        return LockGrant(
            held=[n for n in dict.fromkeys(names) if n in held],
            busy=[n for n in dict.fromkeys(names) if n not in held],
            _release=lambda: _close(connection),
        )

    def close(self) -> None:
        self._engine.dispose()


def _close(connection: Connection) -> None:
    # Ending the session releases its advisory locks; no unlock call can be forgotten.
    connection.invalidate()
    connection.close()


def lock_key(text_key: str) -> int:
    """A stable signed 64-bit advisory-lock key for ``text_key``."""
    digest = hashlib.blake2b(text_key.encode(), digest_size=8, person=b"binfolio-run").digest()
    return int.from_bytes(digest, "big", signed=True)


class FileLocks:
    """One lock file per account in ``directory`` (beside the SQLite database)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def acquire(self, names: Sequence[str], wait_s: float) -> LockGrant:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        held: dict[str, FileLock] = {}

        def try_once(missing: list[str]) -> list[str]:
            got = []
            for name in missing:
                # thread_local=False: a grant taken in one worker thread is released in another.
                # preserve_lock_file: deleting the file on release would let a waiter lock the
                # unlinked file while a newcomer locks a new one.
                lock = FileLock(
                    self.directory / f"{name}.lock",
                    mode=0o600,
                    thread_local=False,
                    preserve_lock_file=True,
                )
                try:
                    lock.acquire(timeout=0)
                except Timeout:
                    continue
                held[name] = lock
                got.append(name)
            return got

        try:
            _poll(try_once, names, wait_s)
        except BaseException:
            _release_files(held)
            raise
        return LockGrant(
            held=[n for n in dict.fromkeys(names) if n in held],
            busy=[n for n in dict.fromkeys(names) if n not in held],
            _release=lambda: _release_files(held),
        )

    def close(self) -> None:
        return None


def _release_files(held: dict[str, FileLock]) -> None:
    for lock in held.values():
        lock.release(force=True)


class ThreadLocks:
    """Locks within one process (an in-memory database has no other process)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._taken: set[str] = set()

    def acquire(self, names: Sequence[str], wait_s: float) -> LockGrant:
        held: list[str] = []

        def try_once(missing: list[str]) -> list[str]:
            with self._guard:
                got = [name for name in missing if name not in self._taken]
                self._taken.update(got)
            held.extend(got)
            return got

        _poll(try_once, names, wait_s)

        def release() -> None:
            with self._guard:
                self._taken.difference_update(held)

        return LockGrant(
            held=[n for n in dict.fromkeys(names) if n in held],
            busy=[n for n in dict.fromkeys(names) if n not in held],
            _release=release,
        )

    def close(self) -> None:
        return None
