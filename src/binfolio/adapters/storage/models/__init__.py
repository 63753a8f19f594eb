"""Every table, imported here so that ``Base.metadata`` is complete for Alembic and tests.

Each feature owns one module; add its import below when you add the module.
"""

from binfolio.adapters.storage.models.core import AccountRow, LogRow, RunRow
from binfolio.adapters.storage.models.export import ExportOutboxRow
from binfolio.adapters.storage.models.ledger import (
    BenchmarkEventRow,
    BenchmarkStateRow,
    CashFlowRow,
    KlinePriceRow,
    LedgerSyncRow,
)
from binfolio.adapters.storage.models.service import (
    AlertStateRow,
    CircuitStateRow,
    CollectorRow,
    SlotClaimRow,
)
from binfolio.adapters.storage.models.snapshots import RunPriceRow, SnapshotAssetRow, SnapshotRow
from binfolio.adapters.storage.models.trading import (
    PaperBalanceRow,
    SignalRow,
    TradeRow,
    TraderStateRow,
)

__all__ = [
    "AccountRow",
    "AlertStateRow",
    "BenchmarkEventRow",
    "BenchmarkStateRow",
    "CashFlowRow",
    "CircuitStateRow",
    "CollectorRow",
    "ExportOutboxRow",
    "KlinePriceRow",
    "LedgerSyncRow",
    "LogRow",
    "PaperBalanceRow",
    "RunPriceRow",
    "RunRow",
    "SignalRow",
    "SlotClaimRow",
    "SnapshotAssetRow",
    "SnapshotRow",
    "TradeRow",
    "TraderStateRow",
]
