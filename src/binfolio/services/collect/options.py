"""The inputs of a snapshot run: which accounts, and how to behave.

Plain data: ``bootstrap`` builds these from the settings; tests build them directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pydantic import SecretStr

from binfolio.domain.snapshot import WALLET_GROUPS
from binfolio.domain.valuation import PriceBook
from binfolio.services.ports import AccountReader, LedgerUpdate


@dataclass(frozen=True)
class AccountTarget:
    """An account to collect: its name, key, and the wallet groups switched on."""

    name: str
    api_key: SecretStr
    api_secret: SecretStr
    wallets: frozenset[str] = frozenset(WALLET_GROUPS)


@dataclass(frozen=True)
class FlowContext:
    """What a cash-flow hook gets for one account, after its wallets were read."""

    account: str
    client: AccountReader
    run_id: str
    taken_at: datetime
    prices: PriceBook


FlowHook = Callable[[FlowContext], Awaitable[LedgerUpdate | None]]
"""Fetches an account's cash flows; the update is written inside the snapshot transaction."""


@dataclass(frozen=True)
class CollectOptions:
    """How a run behaves (the defaults suit a cron job against live Binance)."""

    deadline_s: float = 60.0
    concurrency: int = 32
    reconcile: bool = True
    reconcile_tolerance_pct: Decimal = Decimal(1)
    earn_page_size: int = 100
    # Priced and stored with every run so the benchmark can value itself (BTC, ETH always).
    benchmark_assets: frozenset[str] = frozenset()
    flow_hook: FlowHook | None = None
