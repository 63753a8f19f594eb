"""The root of every exception binfolio raises on purpose, and what a caller should do about each.

Catch :class:`BinfolioError` to handle anything binfolio reports; catch a subclass to act on it.
Each class lives next to the code that raises it; this is the whole tree::

    BinfolioError                      anything binfolio raises on purpose
    ├── ConfigError                    fix the configuration: each problem names the key and
    │                                  the fix (binfolio.config_load; commands exit 2)
    ├── SecretBoxError                 fix the master key: missing, unsafe file or wrong key
    │                                  (binfolio.adapters.secret_box)
    ├── MoneyParseError                reject the value: not an exact decimal (binfolio.domain.money)
    ├── FlowParseError                 reject the record: a deposit or withdrawal we cannot read;
    │                                  the sync fails instead of skipping it (binfolio.domain.flows)
    ├── PeriodError                    reject the --since/--until asked for (binfolio.domain.periods)
    ├── BenchmarkError                 stop this account's benchmark: bad basket, missing price or
    │                                  events out of order (binfolio.domain.benchmark)
    ├── BinanceError                   a call to Binance failed (binfolio.adapters.binance.errors)
    │   ├── BinanceTemporaryError      retry with backoff: 5xx, timeout, dropped connection
    │   │   └── BinanceRateLimitedError    429: wait ``retry_after_s``, then retry
    │   ├── BinanceBannedError         418: stop every request until ``until``
    │   ├── BinanceClockError          -1021: resync the server-time offset, retry once
    │   ├── BinanceAuthError           stop this account: bad key or secret, or a missing permission
    │   ├── BinanceBadRequestError     never retry: Binance refused the request (4xx, 403, 451)
    │   └── BinanceResponseError       report: a 2xx body that is not what the docs describe
    ├── UnknownAccountError            reject: no such account (binfolio.services.report.figures)
    ├── SnapshotMismatchError          reject: those snapshots do not exist, belong to another
    │                                  account or are out of order (binfolio.services.report.figures)
    ├── AccountExistsError             reject: the name is taken (binfolio.services.accounts.registry)
    └── DemoDirectoryError             stop: the demo directory holds files the demo did not make
                                       (binfolio.entrypoints.demo)

The domain's errors are also ``ValueError`` and the report's are ``LookupError``, so code that
catches those keeps working. Foreign exceptions (httpx, SQLAlchemy, pydantic) are translated into
these where they enter, with ``raise ... from exc``. The simulator's ``BinanceErrorReply`` is the
answer the *fake server* sends, not one of ours, and stays outside this tree.
"""

from __future__ import annotations


class BinfolioError(Exception):
    """Root of every exception binfolio raises on purpose (the tree is in the module docstring)."""


class StorageError(BinfolioError):
    """The database failed a call (unreachable, locked too long, constraint): report it.

    Raised by ``binfolio.adapters.storage.runner.DbRunner`` from the SQLAlchemy error, so that
    services can catch a database failure without importing SQLAlchemy.
    """
