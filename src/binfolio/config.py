"""Typed configuration: one ``Settings`` object, built once at start by :func:`load_settings`.

Sources, highest priority first:

1. ``BINFOLIO_<SECTION>__<KEY>`` environment variables (``BINFOLIO_COLLECTOR__DEADLINE_S=30``);
2. the seed-compatible variables (``DATABASE_URL``, ``LOG_FILE_PATH``, ``WEBHOOK_SECRET_KEY``, …);
3. a ``.env`` file in the working directory (both spellings);
4. the TOML file (``--config``, ``BINFOLIO_CONFIG``, ``./binfolio.toml`` or the user config dir);
5. the defaults below.

Every field carries a description; ``docs/configuration.md`` is generated from them
(:mod:`binfolio.config_docs`), so the reference can never drift from the code.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import platformdirs
from croniter import croniter
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from binfolio.adapters.binance.urls import (
    DEMO_SPOT_URL,
    LIVE_FUTURES_URL,
    LIVE_SPOT_URL,
    TESTNET_SPOT_URL,
)
from binfolio.domain.snapshot import WALLET_GROUPS

WALLETS = WALLET_GROUPS  # the one list lives in the domain
ACCOUNT_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class Section(BaseModel):
    """A TOML table: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid")


class BinanceSettings(Section):
    base_url: str = Field(
        LIVE_SPOT_URL,
        description="Spot and wallet (/api, /sapi) base URL: live, testnet, demo or the simulator "
        "(e.g. http://127.0.0.1:9900).",
    )
    futures_base_url: str = Field(LIVE_FUTURES_URL, description="USD-M futures (/fapi) base URL.")
    recv_window_ms: int = Field(
        5000,
        ge=1,
        le=60000,
        description="recvWindow sent with signed requests (Binance max 60000).",
    )
    timeout_s: float = Field(10.0, gt=0, le=120, description="HTTP timeout per request, seconds.")

    @field_validator("base_url", "futures_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError(f"must be an http(s) URL such as {LIVE_SPOT_URL}")
        return value.rstrip("/")


class DatabaseSettings(Section):
    url: str | None = Field(
        None,
        description="SQLAlchemy URL. Empty: a SQLite file in the data directory. PostgreSQL: "
        "postgresql://user:password@host/db (also read from DATABASE_URL).",
    )


class LoggingSettings(Section):
    level: str = Field("INFO", description="Console and file log level.")
    file_path: Path | None = Field(
        None,
        description="JSON-lines log file (rotated). Empty: logs/binfolio.log in the data "
        "directory. Also read from LOG_FILE_PATH.",
    )
    max_bytes: int = Field(10_000_000, ge=10_000, description="Rotate the log file at this size.")
    backup_count: int = Field(30, ge=1, description="How many rotated log files to keep.")
    retention_days: int = Field(
        30,
        ge=1,
        le=3650,
        description="`binfolio serve` deletes log-table rows older than this, once a day.",
    )

    @field_validator("level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level


class BenchmarkSettings(Section):
    weights: dict[str, Decimal] = Field(
        default_factory=lambda: {"BTC": Decimal("0.5"), "ETH": Decimal("0.5")},
        description="Target weights of the benchmark basket; assets need a USDT price; sum to 1.",
    )
    rebalance_cron: str = Field(
        "0 12 * * 1", description="Rebalance schedule, cron syntax in UTC (default Mondays 12:00)."
    )

    @field_validator("weights")
    @classmethod
    def _weights_sum_to_one(cls, weights: dict[str, Decimal]) -> dict[str, Decimal]:
        if not weights:
            raise ValueError("needs at least one asset, e.g. {BTC = 0.5, ETH = 0.5}")
        if any(w <= 0 for w in weights.values()):
            raise ValueError("every weight must be positive")
        if sum(weights.values()) != Decimal(1):
            raise ValueError(f"weights sum to {sum(weights.values())}; they must sum to exactly 1")
        return {asset.upper(): weight for asset, weight in weights.items()}

    @field_validator("rebalance_cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        if not croniter.is_valid(value):
            raise ValueError(
                "is not a valid cron expression; e.g. '0 12 * * 1' (Mondays 12:00 UTC)"
            )
        return value


class CollectorSettings(Section):
    deadline_s: float = Field(60.0, gt=0, le=3600, description="Deadline for one whole run.")
    # 8 at a time took 1.4 s for 100 accounts at 50 ms a request, 32 took 0.9 s; the weight a
    # run spends is the same either way, and the limiter keeps it under Binance's limits.
    concurrency: int = Field(
        32,
        ge=1,
        le=256,
        description="Accounts collected at the same time, each on a connection pool of its own.",
    )
    reconcile: bool = Field(
        True, description="Cross-check our total against /sapi/v1/asset/wallet/balance."
    )
    reconcile_tolerance_pct: Decimal = Field(
        Decimal(1), ge=0, description="Flag a snapshot when it drifts from Binance's total by more."
    )
    flow_window_days: int = Field(
        7, ge=1, le=89, description="Days of deposit/withdrawal history re-read on every run."
    )
    schedule_cron: str = Field(
        "0 * * * *",
        description="When `binfolio serve` takes snapshots (cron, UTC): hourly by default; "
        "'0 8 * * *' is the seed logger's daily 08:00. Six fields put seconds first "
        "('*/10 * * * * *', every 10 s), for tests.",
    )
    lock_wait_s: float = Field(
        60.0,
        ge=0,
        le=3600,
        description="How long `binfolio snapshot` waits for an account another process is "
        "collecting, before it reports 'skipped: already running'.",
    )

    @field_validator("schedule_cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        # Six fields: seconds first, as in Quartz and APScheduler (croniter puts them last).
        seconds_first = len(value.split()) == 6
        if not croniter.is_valid(value, second_at_beginning=seconds_first):
            raise ValueError("is not a valid cron expression; e.g. '0 * * * *' (hourly)")
        return value


class WalletSwitches(Section):
    spot: bool = Field(True, description="Collect the spot wallet (free + locked).")
    funding: bool = Field(True, description="Collect the funding wallet.")
    earn: bool = Field(True, description="Collect Simple Earn flexible and locked positions.")
    futures: bool = Field(True, description="Collect USD-M futures (needs futures permission).")

    def enabled(self) -> frozenset[str]:
        """The names of the wallets switched on."""
        return frozenset(name for name in WALLETS if getattr(self, name))


class AccountSettings(Section):
    name: Annotated[str, Field(pattern=ACCOUNT_NAME_PATTERN)] = Field(
        description="Your name for the account (letters, digits, - and _)."
    )
    api_key_env: str | None = Field(None, description="Environment variable holding the API key.")
    api_secret_env: str | None = Field(
        None, description="Environment variable holding the API secret."
    )
    api_key_file: Path | None = Field(None, description="File holding the API key (mode 0600).")
    api_secret_file: Path | None = Field(
        None, description="File holding the API secret (mode 0600)."
    )
    wallets: WalletSwitches = Field(default_factory=WalletSwitches)
    benchmark: BenchmarkSettings | None = Field(
        None, description="Per-account benchmark; default: the [benchmark] section."
    )

    @model_validator(mode="after")
    def _one_source_each(self) -> AccountSettings:
        if self.api_key_env and self.api_key_file:
            raise ValueError("give api_key_env or api_key_file, not both")
        if self.api_secret_env and self.api_secret_file:
            raise ValueError("give api_secret_env or api_secret_file, not both")
        return self

    @property
    def stored_in_db(self) -> bool:
        """True when neither variable nor file is given: `binfolio accounts add` stored the key."""
        return not (
            self.api_key_env or self.api_key_file or self.api_secret_env or self.api_secret_file
        )


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


class Settings(BaseSettings):
    """Everything binfolio can be told. Build with :func:`load_settings`, never at import."""

    model_config = SettingsConfigDict(
        env_prefix="BINFOLIO_",
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    data_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("binfolio")),
        description="Where the SQLite database, logs and master key live by default.",
    )
    master_key: SecretStr | None = Field(
        None,
        description="Fernet key that encrypts API secrets stored in the database "
        "(BINFOLIO_MASTER_KEY). Empty: read from master_key_file.",
    )
    master_key_file: Path | None = Field(
        None, description="Master key file (mode 0600). Empty: master.key in the data directory."
    )
    binance: BinanceSettings = Field(default_factory=BinanceSettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    collector: CollectorSettings = Field(default_factory=CollectorSettings)
    benchmark: BenchmarkSettings = Field(default_factory=BenchmarkSettings)
    accounts: list[AccountSettings] = Field(
        default_factory=list, description="The Binance accounts to monitor ([[accounts]] tables)."
    )
    sheets: SheetsSettings = Field(default_factory=SheetsSettings)
    dashboard: DashboardSettings = Field(default_factory=DashboardSettings)
    webhook: WebhookSettings = Field(default_factory=WebhookSettings)
    trading: TradingSettings = Field(default_factory=TradingSettings)
    risk: RiskSettings = Field(default_factory=RiskSettings)
    alerts: AlertSettings = Field(default_factory=AlertSettings)

    @field_validator("accounts")
    @classmethod
    def _unique_names(cls, accounts: list[AccountSettings]) -> list[AccountSettings]:
        names = [a.name for a in accounts]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"account names must be unique; repeated: {', '.join(duplicates)}")
        return accounts

    @property
    def database_url(self) -> str:
        """The configured URL, or the SQLite file in the data directory."""
        if self.database.url:
            return self.database.url
        return f"sqlite:///{self.data_dir / 'binfolio.db'}"

    @property
    def log_file(self) -> Path:
        """Where JSON log lines go."""
        return self.logging.file_path or self.data_dir / "logs" / "binfolio.log"

    @property
    def master_key_path(self) -> Path:
        """Where the master key file lives."""
        return self.master_key_file or self.data_dir / "master.key"

    def benchmark_for(self, account: AccountSettings) -> BenchmarkSettings:
        """The benchmark of one account: its own, else the global one."""
        return account.benchmark or self.benchmark


def default_config_path(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path | None:
    """``BINFOLIO_CONFIG``, else ``./binfolio.toml``, else the user config dir, if they exist."""
    if environ.get("BINFOLIO_CONFIG"):
        return Path(environ["BINFOLIO_CONFIG"])
    for candidate in (
        Path.cwd() / "binfolio.toml",
        Path(platformdirs.user_config_dir("binfolio")) / "binfolio.toml",
    ):
        if candidate.is_file():
            return candidate
    return None


def describe_fields() -> list[tuple[str, str, Any, str]]:
    """(dotted key, type, default, description) for every setting; feeds the generated docs."""
    rows: list[tuple[str, str, Any, str]] = []

    def walk(model: type[BaseModel], prefix: str) -> None:
        for name, field in model.model_fields.items():
            annotation = field.annotation
            key = f"{prefix}{name}"
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                walk(annotation, f"{key}.")
                continue
            if key == "accounts":
                walk(AccountSettings, "accounts[].")
                continue
            default = field.get_default(call_default_factory=False)
            if field.default_factory is not None and key != "data_dir":
                default = field.default_factory()  # type: ignore[call-arg]
            rows.append((key, _type_name(annotation), default, field.description or ""))

    walk(Settings, "")
    return rows


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    return str(text).replace("typing.", "").replace("pathlib.", "").replace("pydantic.types.", "")
