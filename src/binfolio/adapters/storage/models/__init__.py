"""Every table, imported here so that ``Base.metadata`` is complete for Alembic and tests.

Each feature owns one module; add its import below when you add the module.
"""

from binfolio.adapters.storage.models.core import AccountRow, LogRow, RunRow

__all__ = ["AccountRow", "LogRow", "RunRow"]
