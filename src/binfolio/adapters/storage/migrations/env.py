"""Alembic environment: runs on the engine binfolio hands over in ``config.attributes``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from binfolio.adapters.storage import models  # noqa: F401  (registers every table)
from binfolio.adapters.storage.base import Base

engine = context.config.attributes.get("engine")
if not isinstance(engine, Engine):
    raise TypeError("binfolio migrations run through binfolio.adapters.storage.database.upgrade")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
