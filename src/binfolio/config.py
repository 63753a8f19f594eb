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
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from binfolio.adapters.binance.urls import (
    LIVE_FUTURES_URL,
    LIVE_SPOT_URL,
)
from binfolio.config_base import Section
from binfolio.config_service import (
    TRADING_MODES,
    AlertSettings,
    AlertSwitches,
    DashboardSettings,
    RiskSettings,
    ServerSettings,
    SheetsSettings,
    TradingSettings,
    WebhookSettings,
)
from binfolio.domain.snapshot import WALLET_GROUPS

__all__ = [
    "TRADING_MODES",
    "AlertSettings",
    "AlertSwitches",
    "DashboardSettings",
    "RiskSettings",
    "Section",
    "ServerSettings",
    "Settings",
    "SheetsSettings",
    "TradingSettings",
    "WebhookSettings",
]

WALLETS = WALLET_GROUPS  # the one list lives in the domain
ACCOUNT_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


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
