"""Settings of the service, the exports, the dashboard, the trader and the alerts.

Sections of :class:`binfolio.config.Settings` (``[sheets]``, ``[dashboard]``, ``[webhook]``,
``[trading]``, ``[risk]``, ``[alerts]``); kept apart from the core sections so that each module
stays readable. ``docs/configuration.md`` lists every key.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from binfolio.adapters.binance.urls import (
    DEMO_SPOT_URL,
    LIVE_SPOT_URL,
    TESTNET_SPOT_URL,
)
from binfolio.config_base import Section


class SheetsSettings(Section):
    """Google Sheets export (docs/exports.md): on when ``spreadsheet_id`` is set."""

    service_account_path: Path | None = Field(
        None,
        description="Google service-account JSON key, mode 0600 (GOOGLE_SERVICE_ACCOUNT_PATH). "
        "Its token_uri is where binfolio asks for access tokens.",
    )
    spreadsheet_id: str | None = Field(
        None,
        description="Spreadsheet id, from its URL (GOOGLE_SPREADSHEET_ID). Set: every run "
        "appends one row per account; empty: no Sheets export.",
    )
    worksheet: str = Field(
        "Binance Portfolio",
        min_length=1,
        max_length=100,
        description="Worksheet (tab) the rows go to; created with the header row when missing.",
    )
    api_base_url: str = Field(
        "https://sheets.googleapis.com",
        description="Sheets API base URL; change it only for a proxy or a test endpoint.",
    )
    wide: bool = Field(
        False, description="Add one column per asset (its USDT value) after the Run ID column."
    )
    timeout_s: float = Field(
        30.0, gt=0, le=300, description="HTTP timeout of each Google request, seconds."
    )

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL such as https://sheets.googleapis.com")
        return value.rstrip("/")

    @field_validator("spreadsheet_id")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        # GOOGLE_SPREADSHEET_ID= in a .env means "off", not a spreadsheet called "".
        return value.strip() or None if value is not None else None

    @property
    def enabled(self) -> bool:
        """True when rows go to Google Sheets."""
        return self.spreadsheet_id is not None


class ServerSettings(Section):
    enabled: bool = Field(True, description="Run this server inside `binfolio serve`.")
    host: str = Field("127.0.0.1", description="Bind address; loopback unless you mean otherwise.")
    port: int = Field(8000, ge=1, le=65535, description="TCP port.")


class DashboardSettings(ServerSettings):
    token: SecretStr | None = Field(
        None,
        description="Token the dashboard asks for: Authorization: Bearer <token>, or the password "
        "of the browser's sign-in prompt (any user name). Required when host is not loopback.",
    )
    poll_interval_s: float = Field(
        2.0,
        ge=0.2,
        le=60,
        description="How often open pages look for new snapshots and log records, seconds.",
    )


class WebhookSettings(ServerSettings):
    port: int = Field(8001, ge=1, le=65535, description="TCP port.")
    secret: SecretStr | None = Field(
        None, description="Shared secret TradingView sends in the body (WEBHOOK_SECRET_KEY)."
    )
    max_body_bytes: int = Field(
        16384, ge=256, le=1_048_576, description="Larger POST /webhook bodies answer 413."
    )
    allowed_ips: list[str] = Field(
        default_factory=list,
        description='Client addresses allowed to POST /webhook; [] = any. "tradingview" stands '
        "for TradingView's published webhook addresses. Defence in depth, not authentication.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Reverse proxies whose X-Forwarded-For is believed; [] = use the socket peer.",
    )
    max_signal_age_s: int | None = Field(
        None,
        ge=1,
        description="Reject signals whose sent_at ({{timenow}}) is older than this; empty = off.",
    )
    dedupe_window_s: int = Field(
        60,
        ge=1,
        le=86400,
        description="An identical body (without id) within this many seconds is a duplicate.",
    )


TRADING_MODES = ("paper", "testnet", "demo", "live")


class TradingSettings(Section):
    mode: str = Field(
        "paper",
        description="paper (simulated fills at public prices), testnet, demo or live.",
    )
    account: str | None = Field(
        None, description="The [[accounts]] name whose key trades; empty = the first account."
    )
    base_url: str | None = Field(
        None,
        description=f"Order endpoint; empty = per mode: testnet {TESTNET_SPOT_URL}, "
        f"demo {DEMO_SPOT_URL}, live {LIVE_SPOT_URL}; paper reads public "
        "prices from [binance] base_url.",
    )
    default_amount_usdt: Decimal = Field(
        Decimal(10), gt=0, description="Trade size when a signal gives no amount_usdt."
    )
    live_confirm: bool = Field(
        False, description="Live trading runs only when this is true as well as mode = live."
    )
    paper_balance_usdt: Decimal = Field(
        Decimal(1000), ge=0, description="The paper account's starting USDT."
    )
    notional_margin_pct: Decimal = Field(
        Decimal(5),
        ge=0,
        le=50,
        description="Safety margin over NOTIONAL/MIN_NOTIONAL for market orders (Binance checks "
        "them at an average price, not the last one).",
    )
    exchange_info_ttl_s: int = Field(
        3600, ge=10, description="How long the cached exchangeInfo (filters) is used."
    )
    csv_dir: Path | None = Field(
        None,
        description="Where signals.csv and trades.csv go, one folder per mode; empty = "
        "trading/<mode> in the data directory.",
    )

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, value: str) -> str:
        if value not in TRADING_MODES:
            raise ValueError(f"must be one of {', '.join(TRADING_MODES)}")
        return value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"must be an http(s) URL such as {TESTNET_SPOT_URL}")
        return value.rstrip("/") if value else value


class RiskSettings(Section):
    min_confidence: Decimal = Field(
        Decimal(50), ge=0, le=100, description="Signals below this confidence (0-100) are rejected."
    )
    min_balance_usdt: Decimal = Field(
        Decimal(10), ge=0, description="A buy needs at least this much free USDT."
    )
    max_trade_usdt: Decimal = Field(
        Decimal(10), gt=0, description="Largest trade, in USDT; larger signals are rejected."
    )
    max_trade_pct_equity: Decimal = Field(
        Decimal(100),
        gt=0,
        le=100,
        description="Largest trade as a percentage of the account's equity.",
    )
    max_open_trades: int = Field(3, ge=0, description="Buys not yet closed by a sell.")
    max_trades_per_day: int = Field(10, ge=0, description="Orders per UTC day.")
    cooldown_minutes: int = Field(
        15, ge=0, description="Minimum minutes between two trades of one symbol and side."
    )
    symbols: list[str] = Field(
        default_factory=list, description='Symbols that may trade, e.g. ["BTCUSDT"]; [] = any.'
    )

    @field_validator("symbols")
    @classmethod
    def _upper(cls, symbols: list[str]) -> list[str]:
        return [s.upper() for s in symbols]


class AlertSwitches(Section):
    """One switch per alert kind (docs/alerts.md describes each)."""

    run_failed: bool = Field(True, description="An account's snapshot failed.")
    circuit_open: bool = Field(
        True, description="An account is paused after `circuit_failures` failed runs."
    )
    circuit_closed: bool = Field(True, description="A paused account collects again.")
    nav_change: bool = Field(
        True, description="NAV moved more than `nav_change_pct`, deposits and withdrawals removed."
    )
    drawdown: bool = Field(
        True, description="The TWR index is more than `drawdown_pct` below its peak."
    )
    trailing_benchmark: bool = Field(
        True, description="The account trails its benchmark by more than `trail_benchmark_pct`."
    )
    unpriced: bool = Field(True, description="The latest snapshot holds assets without a price.")
    stale: bool = Field(
        True, description="No complete snapshot for `stale_after_intervals` schedule intervals."
    )
    key_permissions: bool = Field(
        True, description="A key's permissions changed, or it may withdraw."
    )


class AlertSettings(Section):
    urls: list[SecretStr] = Field(
        default_factory=list,
        description="Apprise URLs that receive alerts (json://127.0.0.1:9000/hook, "
        "mailto://user:password@host?to=me@example.com, tgram://token/chat). Empty: no alerts. "
        "Environment: BINFOLIO_ALERTS__URLS='[\"json://…\"]'.",
    )
    nav_change_pct: Decimal = Field(
        Decimal(10),
        gt=0,
        description="Alert when NAV moves more than this between two snapshots, net of flows.",
    )
    drawdown_pct: Decimal = Field(
        Decimal(20),
        gt=0,
        lt=100,
        description="Alert when the TWR index is this far below its peak.",
    )
    drawdown_days: int = Field(
        30, ge=1, le=3650, description="The peak of the drawdown is looked for this far back."
    )
    trail_benchmark_pct: Decimal = Field(
        Decimal(10),
        gt=0,
        description="Alert when the account's TWR trails its benchmark's by more (points).",
    )
    trail_days: int = Field(7, ge=1, le=3650, description="The window of the benchmark comparison.")
    stale_after_intervals: int = Field(
        2, ge=1, description="Alert after this many schedule slots without a complete snapshot."
    )
    circuit_failures: int = Field(
        5, ge=1, description="Consecutive failed runs that pause an account (circuit breaker)."
    )
    circuit_max_delay_slots: int = Field(
        64,
        ge=1,
        description="A paused account is probed after 1, 2, 4, … slots, at most this many slots.",
    )
    key_check_minutes: int = Field(
        60, ge=1, description="How often each key's permissions are read for the key alert."
    )
    kinds: AlertSwitches = Field(default_factory=AlertSwitches)
