"""The inputs of a snapshot run: which accounts, where Binance is, and how to behave.

Plain data: ``bootstrap`` builds these from the settings; tests build them directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from pydantic import SecretStr

from binfolio.adapters.binance.client import BinanceClient
from binfolio.adapters.binance.rest import RetryPolicy
from binfolio.adapters.storage.snapshot_store import FlowWriter
from binfolio.domain.snapshot import WALLET_GROUPS
from binfolio.domain.valuation import PriceBook

LIVE_BASE_URL = "https://api.binance.com"
LIVE_FUTURES_BASE_URL = "https://fapi.binance.com"


@dataclass(frozen=True)
class AccountTarget:
    """An account to collect: its name, key, and the wallet groups switched on."""

    name: str
    api_key: SecretStr
    api_secret: SecretStr
    wallets: frozenset[str] = frozenset(WALLET_GROUPS)


@dataclass(frozen=True)
class Endpoints:
    """Base URLs: live by default; testnet, demo or the simulator by URL."""

    base_url: str = LIVE_BASE_URL
    futures_base_url: str = LIVE_FUTURES_BASE_URL
    # Public prices may come from a market-data-only mirror; default: base_url.
    market_base_url: str | None = None


@dataclass(frozen=True)
class FlowContext:
    """What a cash-flow hook gets for one account, after its wallets were read."""

    account: str
    client: BinanceClient
    run_id: str
    taken_at: datetime
    prices: PriceBook


FlowHook = Callable[[FlowContext], Awaitable[FlowWriter | None]]
"""Fetches an account's cash flows; may return a writer run inside the snapshot transaction."""


@dataclass(frozen=True)
class CollectOptions:
    """How a run behaves (the defaults suit a cron job against live Binance)."""

    deadline_s: float = 60.0
    concurrency: int = 32
    reconcile: bool = True
    reconcile_tolerance_pct: Decimal = Decimal(1)
    earn_page_size: int = 100
    recv_window_ms: int = 5000
    http_timeout_s: float = 10.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    # Priced and stored with every run so the benchmark can value itself (BTC, ETH always).
    benchmark_assets: frozenset[str] = frozenset()
    flow_hook: FlowHook | None = None
