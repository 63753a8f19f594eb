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

from rich.console import Console
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import make_engine, make_session_factory, normalise_url
from binfolio.adapters.storage.log_sink import DatabaseLogSink
from binfolio.config import Settings
from binfolio.config_load import ConfigError, load_settings, read_dotenv
from binfolio.log import Redactor, setup_logging
from binfolio.services.accounts.registry import ResolvedAccount, resolve_accounts


@dataclass
class App:
    """What a command needs: settings, the database and the redactor for late secrets."""

    settings: Settings
    environ: Mapping[str, str]
    redactor: Redactor
    config_path: Path | None = None
    log_sink: DatabaseLogSink | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        """The database engine, created on first use (``doctor`` must survive a dead DB)."""
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
        return self._engine

    @property
    def session_factory(self) -> sessionmaker[Session]:
        """Sessions on :attr:`engine`."""
        return make_session_factory(self.engine)

    def accounts(self, only: frozenset[str] = frozenset()) -> list[ResolvedAccount]:
        """Resolve account credentials and register them with the redactor.

        Raises:
            ConfigError: when any selected account lacks usable credentials.
        """
        resolved, problems = resolve_accounts(
            self.settings, self.session_factory, self.environ, only=only
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
        if self._engine is not None:
            if self.log_sink is not None and self.log_sink.pending:
                try:
                    self.log_sink.write(self.session_factory)
                except SQLAlchemyError as exc:
                    logging.getLogger(__name__).debug("log records not stored: %s", exc)
            self._engine.dispose()


def environment(cwd: Path | None = None) -> dict[str, str]:
    """The process environment over ``.env`` (the environment wins)."""
    return {**read_dotenv(cwd or Path.cwd()), **os.environ}


def open_app(
    config_path: Path | None = None,
    *,
    console: Console | None = None,
    log_to_file: bool = True,
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
    for value in (settings.master_key, settings.webhook.secret):
        if value is not None:
            secrets.append(value.get_secret_value())
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
