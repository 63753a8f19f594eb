"""Logging: rich on the console, JSON lines in a rotating file, secrets redacted from both.

Redaction is a filter on every handler, so records from libraries (httpx logs full request URLs,
signatures included) are cleaned as well as ours. It removes every configured secret, the value
of ``signature=``, ``X-MBX-APIKEY`` header values, database passwords and PEM private keys.
"""

from __future__ import annotations

import copy
import json
import logging
import re
import traceback
from collections.abc import Iterable
from datetime import UTC, datetime
from logging.handlers import RotatingFileHandler
from pathlib import Path
from threading import Lock

from rich.console import Console
from rich.logging import RichHandler

REDACTED = "***"
_PATTERNS = [
    (re.compile(r"(signature=)[^&\s'\"]+", re.IGNORECASE), rf"\g<1>{REDACTED}"),
    (
        re.compile(r"(x-mbx-apikey['\"]?\s*[:=,]\s*\(?['\"]?)[^\s'\",)}]+", re.IGNORECASE),
        rf"\g<1>{REDACTED}",
    ),
    (
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
        "[private key redacted]",
    ),
    # user:password@host in database and broker URLs.
    (re.compile(r"(\w+://[^:/@\s]+:)[^@\s]+(@)"), rf"\g<1>{REDACTED}\g<2>"),
]
_HANDLER_MARK = "_binfolio_handler"


class Redactor:
    """Removes secrets from text; secrets can be added once they are known (after config)."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = Lock()
        self._secrets: list[str] = []
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Redact ``secret`` from now on (short values are ignored: they would mangle text)."""
        if not secret or len(secret) < 6:
            return
        with self._lock:
            if secret not in self._secrets:
                # Longest first, so that a secret containing another is removed whole.
                self._secrets = sorted([*self._secrets, secret], key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message and traceback through the :class:`Redactor`."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redact(record.getMessage())
        record.args = ()
        if record.exc_info:
            text = "".join(traceback.format_exception(*record.exc_info))
            record.exc_text = self._redact(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self._redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self._redact(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: easy to grep, ship and parse."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for extra in ("run_id", "account"):
            if hasattr(record, extra):
                entry[extra] = getattr(record, extra)
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class ConsoleHandler(RichHandler):
    """The terminal's handler: one line per record; tracebacks go to the log file only.

    A run of many accounts must stay readable: a failed account is one line with its reason,
    and whoever needs the traceback finds it in the JSON log file (and the log table).
    """

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or record.exc_text:
            record = copy.copy(record)
            record.msg = f"{record.getMessage()} (traceback in the log file)"
            record.args, record.exc_info, record.exc_text = None, None, None
        super().emit(record)


def _level(name: str) -> int:
    return logging.getLevelNamesMapping()[name]


def setup_logging(
    *,
    level: str,
    file_path: Path | None,
    console_level: str | None = None,
    max_bytes: int = 10_000_000,
    backup_count: int = 30,
    redactor: Redactor,
    console: Console | None = None,
    extra_handlers: Iterable[logging.Handler] = (),
) -> None:
    """Install binfolio's handlers on the root logger (replacing ones a previous call installed).

    ``extra_handlers`` (e.g. the database log sink) get the same redaction as the others.
    ``console_level`` raises the terminal's threshold above ``level`` for commands that print
    their own summary (``snapshot``): the file and the log table still get everything.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(handler)
        handler.close()
    redacting = RedactingFilter(redactor)

    rich_handler = ConsoleHandler(
        console=console or Console(stderr=True),
        show_path=False,
        rich_tracebacks=False,  # rich tracebacks would print locals and unredacted frames
        markup=False,
    )
    rich_handler.setLevel(
        level
        if level == "DEBUG" or console_level is None
        else max(_level(level), _level(console_level))
    )
    handlers: list[logging.Handler] = [rich_handler]
    if file_path is not None:
        file_path.parent.mkdir(parents=True, exist_ok=True)
        file_handler = RotatingFileHandler(
            file_path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
        )
        file_path.chmod(0o600)  # logs describe accounts and balances: owner only
        file_handler.setFormatter(JsonFormatter())
        file_handler.setLevel(logging.DEBUG if level == "DEBUG" else logging.INFO)
        handlers.append(file_handler)
    handlers.extend(extra_handlers)
    for handler in handlers:
        handler.addFilter(redacting)
        setattr(handler, _HANDLER_MARK, True)
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if level == "DEBUG" else logging.INFO)
    # httpx logs every request at INFO: thousands of lines per run, and the run record already
    # counts requests and weight. Failures surface through our own error messages.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
