"""Every table, imported here so that ``Base.metadata`` is complete for Alembic and tests.

Each feature owns one module; add its import below when you add the module.
"""

from binfolio.adapters.storage.models.core import AccountRow, LogRow, RunRow
from binfolio.adapters.storage.models.ledger import (
    BenchmarkEventRow,
    BenchmarkStateRow,
    CashFlowRow,
    KlinePriceRow,
    LedgerSyncRow,
)
from binfolio.adapters.storage.models.snapshots import RunPriceRow, SnapshotAssetRow, SnapshotRow

__all__ = [
    "AccountRow",
    "BenchmarkEventRow",
    "BenchmarkStateRow",
    "CashFlowRow",
    "KlinePriceRow",
    "LedgerSyncRow",
    "LogRow",
    "RunPriceRow",
    "RunRow",
    "SnapshotAssetRow",
    "SnapshotRow",
]
