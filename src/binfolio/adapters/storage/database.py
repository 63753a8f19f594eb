"""Engines, sessions and migrations for SQLite (default) and PostgreSQL.

``DATABASE_URL`` selects PostgreSQL; ``postgres://`` and ``postgresql://`` URLs are mapped to the
psycopg 3 driver so that users can paste the URL their host gives them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = "binfolio.adapters.storage:migrations"


def normalise_url(url: str) -> str:
    """Map the URL spellings users paste onto the drivers binfolio ships with."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the dashboard read while a run writes; the busy timeout waits out short locks
    # instead of failing with "database is locked".
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(
    url: str,
    *,
    echo: bool = False,
    connect_timeout_s: int | None = None,
    pool_size: int | None = None,
) -> Engine:
    """Create an engine with the settings binfolio relies on for each backend.

    ``connect_timeout_s`` bounds how long a PostgreSQL connection attempt may hang (doctor).
    ``pool_size`` fixes the number of pooled connections (no overflow), sized with the worker
    threads that use them (``runner.DbSizing``); default: SQLAlchemy's 5 + 10 overflow.
    """
    pooling: dict[str, Any] = (
        {"pool_size": pool_size, "max_overflow": 0} if pool_size is not None else {}
    )
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            path = Path(database).expanduser()
            path.parent.mkdir(parents=True, exist_ok=True)
            # The database holds balances and history: readable by its owner only.
            path.touch(mode=0o600, exist_ok=True)
        if not database or database == ":memory:":
            pooling = {}  # one in-memory database per connection: nothing to size
        engine = create_engine(url, echo=echo, **pooling)
        event.listen(engine, "connect", _on_sqlite_connect)
        return engine
    connect_args = {"connect_timeout": connect_timeout_s} if connect_timeout_s else {}
    return create_engine(url, echo=echo, pool_pre_ping=True, connect_args=connect_args, **pooling)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (we hand them to services)."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any exception."""
    with factory() as session, session.begin():
        yield session


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs our packaged migrations on ``engine``."""
    # Alembic is imported on use: it costs ~0.3 s and most commands never migrate.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", MIGRATIONS)
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def head_revision(engine: Engine) -> str | None:
    """The newest revision binfolio ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def insert_if_absent(
    session: Session, model: type[Any], rows: list[dict[str, Any]], keys: list[str]
) -> None:
    """``INSERT … ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL alike.

    Idempotent writes (flows keyed by Binance's id, cached klines, account names another
    process may add at the same moment) rely on it. The dialect modules are imported on use:
    the PostgreSQL one alone costs ~50 ms of every command's start-up.

    Raises:
        NotImplementedError: on any other database engine.
    """
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(model).on_conflict_do_nothing(index_elements=keys)
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(model).on_conflict_do_nothing(index_elements=keys)
    else:
        raise NotImplementedError(f"insert-if-absent is not implemented for {dialect}")
    session.execute(statement, rows)
