"""SQL storage: SQLAlchemy models, Alembic migrations and repositories."""
