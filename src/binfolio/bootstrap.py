"""The one place that wires configuration, storage, logging and adapters into services.

Commands call :func:`open_app` once at start; everything else receives what it needs as
arguments. Nothing here runs at import time.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import make_engine, make_session_factory, normalise_url
from binfolio.adapters.storage.log_sink import DatabaseLogSink
from binfolio.adapters.storage.runner import DbRunner, DbSizing
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.config import Settings
from binfolio.config_load import ConfigError, load_settings, read_dotenv
from binfolio.domain.clock import Clock, utc_now
from binfolio.log import Redactor, setup_logging
from binfolio.services.accounts.registry import ResolvedAccount, resolve_accounts

if TYPE_CHECKING:  # httpx is imported on use: `binfolio report` never talks to Binance
    from binfolio.adapters.binance.exchange import BinanceExchange
    from binfolio.adapters.binance.limiter import WeightLimiter
    from binfolio.adapters.binance.rest import RetryPolicy


@dataclass
class App:
    """The container: settings, the database and its worker threads, the way to Binance, and
    the redactor for late secrets. Everything is built on first use (``doctor`` must survive a
    dead database; ``--help`` must not pay for SQLAlchemy)."""

    settings: Settings
    environ: Mapping[str, str]
    redactor: Redactor
    config_path: Path | None = None
    log_sink: DatabaseLogSink | None = None
    _engine: Engine | None = field(default=None, repr=False)
    _storage: SqlStorage | None = field(default=None, repr=False)
    _limiter: WeightLimiter | None = field(default=None, repr=False)

    @property
    def db_sizing(self) -> DbSizing:
        """Worker threads and pooled connections, sized from ``collector.concurrency``."""
        return DbSizing.for_concurrency(self.settings.collector.concurrency)

    @property
    def engine(self) -> Engine:
        """The database engine, created on first use."""
        if self._engine is None:
            self._engine = make_engine(
                self.settings.database_url, pool_size=self.db_sizing.connections
            )
        return self._engine

    @property
    def session_factory(self) -> sessionmaker[Session]:
        """Sessions on :attr:`engine`."""
        return self.storage.factory

    @property
    def storage(self) -> SqlStorage:
        """Every repository, and the worker threads async code calls them through."""
        if self._storage is None:
            self._storage = SqlStorage(
                make_session_factory(self.engine),
                DbRunner(self.db_sizing.threads),
                outbox=self.settings.sheets.enabled,
            )
        return self._storage

    @property
    def limiter(self) -> WeightLimiter:
        """The process's one weight limiter: Binance counts weight per IP and minute, so every
        run and key check of a long-lived process (``serve``) books into the same one."""
        if self._limiter is None:
            from binfolio.adapters.binance.limiter import WeightLimiter

            self._limiter = WeightLimiter()
        return self._limiter

    def exchange(
        self,
        accounts: int,
        *,
        clock: Clock = utc_now,
        retry: RetryPolicy | None = None,
    ) -> BinanceExchange:
        """Pools and time offset for a run over ``accounts`` accounts, on :attr:`limiter`."""
        return make_exchange(
            self.settings, accounts, limiter=self.limiter, clock=clock, retry=retry
        )

    def accounts(self, only: frozenset[str] = frozenset()) -> list[ResolvedAccount]:
        """Resolve account credentials and register them with the redactor.

        Raises:
            ConfigError: when any selected account lacks usable credentials.
        """
        resolved, problems = resolve_accounts(
            self.settings, self.storage.accounts, self.environ, only=only
        )
        if problems:
            raise ConfigError(problems)
        for account in resolved:
            self.redactor.add(account.api_key.get_secret_value())
            self.redactor.add(account.api_secret.get_secret_value())
        return resolved

    def close(self) -> None:
        """Write the buffered log records to the log table and release the database.

        A database that cannot take the records (unreachable, not migrated) costs only those
        records: they are in the log file too, and the command's own outcome stands.
        """
        if self._storage is not None:
            self._storage.close()
        if self._engine is not None:
            if self.log_sink is not None and self.log_sink.pending:
                try:
                    self.log_sink.write(self.session_factory)
                except SQLAlchemyError as exc:
                    logging.getLogger(__name__).debug("log records not stored: %s", exc)
            self._engine.dispose()


def make_exchange(
    settings: Settings,
    accounts: int,
    *,
    limiter: WeightLimiter | None = None,
    clock: Clock = utc_now,
    retry: RetryPolicy | None = None,
) -> BinanceExchange:
    """Pools, limiter and time offset for a run over ``accounts`` accounts.

    One pool per account in flight, up to ``collector.concurrency``. Pass the ``limiter`` of a
    long-lived process (``serve``): Binance counts weight per IP per minute.
    """
    from binfolio.adapters.binance.exchange import BinanceExchange, Connection, Endpoints
    from binfolio.adapters.binance.rest import RetryPolicy

    binance = settings.binance
    connection = Connection(
        http_timeout_s=binance.timeout_s,
        recv_window_ms=binance.recv_window_ms,
        retry=retry or RetryPolicy(),
    )
    return BinanceExchange(
        Endpoints(binance.base_url, binance.futures_base_url),
        slots=min(settings.collector.concurrency, max(1, accounts)),
        connection=connection,
        limiter=limiter,
        clock=clock,
    )


def environment(cwd: Path | None = None) -> dict[str, str]:
    """The process environment over ``.env`` (the environment wins)."""
    return {**read_dotenv(cwd or Path.cwd()), **os.environ}


def open_app(
    config_path: Path | None = None,
    *,
    console: Console | None = None,
    log_to_file: bool = True,
    console_level: str | None = None,
) -> App:
    """Load settings, install logging with redaction, and return the wired :class:`App`.

    Raises:
        ConfigError: when the configuration is invalid (each problem names its fix).
    """
    environ = environment()
    settings = load_settings(config_path, environ=environ)
    redactor = Redactor(known_secrets(settings, environ))
    sink = DatabaseLogSink()
    setup_logging(
        level=settings.logging.level,
        file_path=settings.log_file if log_to_file else None,
        max_bytes=settings.logging.max_bytes,
        backup_count=settings.logging.backup_count,
        redactor=redactor,
        console=console,
        console_level=console_level,
        extra_handlers=[sink],
    )
    return App(
        settings=settings,
        environ=environ,
        redactor=redactor,
        config_path=config_path,
        log_sink=sink,
    )


def known_secrets(settings: Settings, environ: Mapping[str, str]) -> list[str]:
    """Every secret the configuration names, for the log redactor."""
    secrets: list[str] = []
    for value in (settings.master_key, settings.webhook.secret, settings.dashboard.token):
        if value is not None:
            secrets.append(value.get_secret_value())
    # Apprise URLs carry bot tokens and passwords: the whole URL is the secret.
    secrets += [url.get_secret_value() for url in settings.alerts.urls]
    for account in settings.accounts:
        for variable in (account.api_key_env, account.api_secret_env):
            if variable and environ.get(variable):
                secrets.append(environ[variable])
    if settings.database.url:
        password = make_url(normalise_url(settings.database.url)).password
        if password:
            secrets.append(str(password))
    if settings.master_key_path.is_file():
        secrets.append(settings.master_key_path.read_text(encoding="utf-8").strip())
    return secrets
