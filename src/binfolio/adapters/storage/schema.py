"""The one schema check: is the database reachable, and at the migration binfolio ships?

Every command that needs the database (`require_schema`) and `binfolio doctor` ask this. It reads
``alembic_version`` with plain SQL instead of loading Alembic, which would cost a third of a
second of start-up on every cron run; revision ids are the zero-padded file prefixes of one
linear chain (0001, 0002, …).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from binfolio.adapters.storage import migrations
from binfolio.services.ports import SchemaStatus


def head_revision() -> str:
    """The newest migration binfolio ships."""
    versions = Path(migrations.__file__).parent / "versions"
    return max(p.name.split("_", 1)[0] for p in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))


def schema_status(engine: Engine) -> SchemaStatus:
    """Connect once and read the migration the database is at."""
    shown = engine.url.render_as_string(hide_password=True)
    head = head_revision()
    try:
        with engine.connect() as connection:
            try:
                current = connection.execute(
                    text("select version_num from alembic_version")
                ).scalar()
            except SQLAlchemyError:  # no alembic_version table: an empty database
                connection.rollback()
                current = None
    except SQLAlchemyError as exc:
        cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
        reason = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        return SchemaStatus(shown, head, error=reason)
    return SchemaStatus(shown, head, current=current)
