"""The root of every exception binfolio raises on purpose, and what a caller should do about each.

Catch :class:`BinfolioError` to handle anything binfolio reports; catch a subclass to act on it.
Each class lives next to the code that raises it (module in brackets); this is the whole tree::

    BinfolioError                    anything binfolio raises on purpose
    ├── ConfigError                  fix the configuration: each problem names the key and the
    │                                fix; commands exit 2 [config_load]
    ├── SecretBoxError               fix the master key: missing, unsafe file or wrong key
    │                                [adapters.secret_box]
    ├── MoneyParseError              reject the value: not an exact decimal [domain.money]
    ├── FlowParseError               reject the record: a deposit or withdrawal we cannot read;
    │                                the sync fails instead of skipping it [domain.flows]
    ├── PeriodError                  reject the --since/--until asked for [domain.periods]
    ├── BenchmarkError               stop this account's benchmark: bad basket, missing price or
    │                                events out of order [domain.benchmark]
    ├── BinanceError                 a call to Binance failed [adapters.binance.errors]
    │   ├── BinanceTemporaryError    retry with backoff: 5xx, timeout, dropped connection
    │   │   └── BinanceRateLimitedError  429: wait ``retry_after_s``, then retry
    │   ├── BinanceBannedError       418: stop every request until ``until``
    │   ├── BinanceClockError        -1021: resync the server-time offset, retry once
    │   ├── BinanceAuthError         stop this account: bad key or secret, missing permission
    │   ├── BinanceBadRequestError   never retry: Binance refused the request (4xx, 403, 451)
    │   └── BinanceResponseError     report: a 2xx body that is not what the docs describe
    ├── StorageError                 report: the database failed a call [errors; raised by
    │                                adapters.storage.runner]
    ├── SheetsError                  a Google Sheets call failed; ``fix`` says what to do
    │   │                            [adapters.sheets.errors]
    │   ├── SheetsSetupError         stop exporting: configuration, credentials or sharing
    │   └── SheetsUnavailableError   retry later: a transient failure
    │       └── SheetsRateLimitedError   429: wait ``retry_after_s``, then retry
    ├── NotifierConfigError          fix the alert URL: apprise does not know it [adapters.notify]
    ├── TableMissingError            reject the export: its table does not exist yet
    │                                [adapters.storage.export_csv]
    ├── UnknownAccountError          reject: no such account (report, export, dashboard) [errors]
    ├── DatabaseNotReadyError        say so: the database is unreachable or not migrated; the
    │                                dashboard shows a page with the fix
    │                                [entrypoints.web.dashboard.deps]
    ├── BadRequestError              answer 400: the dashboard cannot read the request's
    │                                parameters [entrypoints.web.dashboard.deps]
    ├── InsecureBindError            refuse to start: a server bound off loopback without a
    │                                token [entrypoints.web.security]
    ├── OrderError                   an order could not be placed as asked
    │   │                            [domain.trading.orders]
    │   ├── OrderRejected            no retry: Binance refused it (filters, balance, format)
    │   ├── OrderOutcomeUnknown      look the order up by its client id before any re-send
    │   └── ExchangeUnavailable      retry later: Binance did not answer
    ├── SnapshotMismatchError        reject: those snapshots do not exist, belong to another
    │                                account or are out of order [services.report.figures]
    ├── AccountExistsError           reject: the name is taken [services.accounts.registry]
    ├── DemoDirectoryError           stop: the demo directory holds files the demo did not make
    │                                [entrypoints.demo]
    ├── BackfillError                stop the demo: its history could not be written
    │                                [entrypoints.demo_backfill]
    └── DemoServerError              stop the demo: a server could not start (port taken)
                                     [entrypoints.demo_live]

The domain's errors are also ``ValueError`` and the lookups' ``LookupError``, so code that catches
those keeps working. A new exception joins this tree (tests/unit/test_errors.py checks that the
drawing and the classes agree). Foreign exceptions (httpx, SQLAlchemy, pydantic) are translated
into these where they enter, with ``raise ... from exc``. The simulator's ``BinanceErrorReply`` is
the answer the *fake server* sends, not one of ours, and stays outside this tree.
"""

from __future__ import annotations


class BinfolioError(Exception):
    """Root of every exception binfolio raises on purpose (the tree is in the module docstring)."""


class UnknownAccountError(BinfolioError, LookupError):
    """No account of that name has been collected (a report, an export, a dashboard URL)."""


class StorageError(BinfolioError):
    """The database failed a call (unreachable, locked too long, constraint): report it.

    Raised by ``binfolio.adapters.storage.runner.DbRunner`` from the SQLAlchemy error, so that
    services can catch a database failure without importing SQLAlchemy.
    """
