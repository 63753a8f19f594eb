"""Migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from binfolio.adapters.storage import models  # noqa: F401
from binfolio.adapters.storage.base import Base
from binfolio.adapters.storage.database import (
    current_revision,
    head_revision,
    make_engine,
    upgrade,
)


def test_empty_database_upgrades_to_head_and_matches_models(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    assert current_revision(engine) is None

    upgrade(engine)

    assert current_revision(engine) == head_revision(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_upgrade_twice_is_a_no_op(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == head_revision(engine)
    engine.dispose()
