"""What can go wrong talking to Binance, and what the caller should do about it.

Every httpx exception and every Binance error body is translated into these classes in one
place, :mod:`binfolio.adapters.binance.translate`; this module imports no httpx, so that
services can catch the classes without depending on the HTTP client::

    BinanceError                  any failure talking to Binance (a binfolio.errors.BinfolioError)
    ├── BinanceTemporaryError     5xx, timeout, connection reset: retry with backoff
    │   └── BinanceRateLimitedError   429 (-1003): wait ``retry_after_s``, then retry
    ├── BinanceBannedError        418: the IP is banned; stop everything until ``until``
    ├── BinanceClockError         -1021: resync the server-time offset, retry once
    ├── BinanceAuthError          401, -2014, -2015, -1022: stop this account, check the API key
    ├── BinanceBadRequestError    any other 4xx (and 403 WAF / 451 geo-block): never retried
    └── BinanceResponseError      a 2xx body we cannot read: names the endpoint and the field

Which status and code means what, and why: docs/binance.md ("Errors").
"""

from __future__ import annotations

from datetime import datetime

from binfolio.errors import BinfolioError

AUTH_CODES = frozenset({-2014, -2015, -1022})
CLOCK_CODE = -1021


class BinanceError(BinfolioError):
    """Root of every Binance failure; ``endpoint`` says which call failed."""

    def __init__(self, message: str, *, endpoint: str = "", code: int | None = None) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.code = code


class BinanceTemporaryError(BinanceError):
    """The call may succeed if repeated: server error, timeout, dropped connection."""


class BinanceRateLimitedError(BinanceTemporaryError):
    """HTTP 429: too much weight; Binance says how long to wait."""

    def __init__(self, message: str, *, endpoint: str, retry_after_s: float) -> None:
        super().__init__(message, endpoint=endpoint, code=-1003)
        self.retry_after_s = retry_after_s


class BinanceBannedError(BinanceError):
    """HTTP 418: the IP is banned; every further request would extend the ban."""

    def __init__(self, message: str, *, endpoint: str, until: datetime | None) -> None:
        super().__init__(message, endpoint=endpoint, code=-1003)
        self.until = until


class BinanceClockError(BinanceError):
    """-1021: our timestamp is outside recvWindow; the server-time offset needs a resync."""


class BinanceAuthError(BinanceError):
    """The key is invalid, revoked, IP-restricted, or lacks a permission."""


class BinanceBadRequestError(BinanceError):
    """Binance refused the request itself; repeating it cannot help."""


class BinanceResponseError(BinanceError):
    """A successful response whose body is not what the contract describes."""
