"""Binance's answers translated into :mod:`binfolio.adapters.binance.errors`, here and nowhere else.

Every httpx exception and every non-2xx or unreadable response goes through :func:`send`,
:func:`check` and :func:`decode_json` (called by ``rest.RestCore``).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import httpx

from binfolio.adapters.binance.errors import (
    AUTH_CODES,
    CLOCK_CODE,
    BinanceAuthError,
    BinanceBadRequestError,
    BinanceBannedError,
    BinanceClockError,
    BinanceError,
    BinanceRateLimitedError,
    BinanceResponseError,
    BinanceTemporaryError,
)
from binfolio.domain.clock import from_ms

_BANNED_UNTIL = re.compile(r"banned until (\d{13})")


def _retry_after_s(response: httpx.Response, default_s: float) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return default_s


def _error_body(response: httpx.Response) -> tuple[int | None, str]:
    try:
        body = response.json()
    except ValueError:
        return None, response.text[:200]
    if isinstance(body, dict) and isinstance(body.get("code"), int):
        return body["code"], str(body.get("msg", ""))
    return None, response.text[:200]


def error_from_response(response: httpx.Response, endpoint: str, now: datetime) -> BinanceError:
    """The typed error for a non-2xx Binance response."""
    status = response.status_code
    code, msg = _error_body(response)
    said = f"{endpoint}: HTTP {status}" + (f" code {code}" if code is not None else "")
    said += f": {msg}" if msg else ""
    if status == 418:
        match = _BANNED_UNTIL.search(msg)
        if match:
            until: datetime | None = from_ms(int(match.group(1)))
        elif "Retry-After" in response.headers:
            until = now + timedelta(seconds=_retry_after_s(response, 0.0))
        else:
            until = None
        when = until.isoformat(timespec="seconds") if until else "an unknown time"
        return BinanceBannedError(
            f"Binance banned this IP until {when} (HTTP 418, too many requests). "
            f"binfolio stopped; do not run it again before then. [{said}]",
            endpoint=endpoint,
            until=until,
        )
    if status == 429:
        wait_s = _retry_after_s(response, 1.0)
        return BinanceRateLimitedError(
            f"{said} (retry after {wait_s:g} s)", endpoint=endpoint, retry_after_s=wait_s
        )
    if code == CLOCK_CODE:
        return BinanceClockError(said, endpoint=endpoint, code=code)
    if status == 401 or code in AUTH_CODES:
        return BinanceAuthError(
            f"{said}. Binance rejected the request: check the API key (valid, not revoked, "
            "IP whitelist, and the permission this wallet needs)",
            endpoint=endpoint,
            code=code,
        )
    if status >= 500:
        return BinanceTemporaryError(said, endpoint=endpoint, code=code)
    if status == 451:
        said += " (Binance refuses service from this location; run binfolio from another region)"
    return BinanceBadRequestError(said, endpoint=endpoint, code=code)


async def send(http: httpx.AsyncClient, request: httpx.Request, endpoint: str) -> httpx.Response:
    """Send ``request``; any response comes back (check it with :func:`check`).

    Raises:
        BinanceTemporaryError: on a timeout or a failed connection.
    """
    try:
        return await http.send(request)
    except httpx.TimeoutException as exc:
        raise BinanceTemporaryError(f"{endpoint}: timed out ({exc!r})", endpoint=endpoint) from exc
    except httpx.TransportError as exc:
        raise BinanceTemporaryError(
            f"{endpoint}: connection failed ({exc!r})", endpoint=endpoint
        ) from exc


def check(response: httpx.Response, endpoint: str, now: datetime) -> httpx.Response:
    """Return a 2xx response unchanged.

    Raises:
        BinanceError: the subclass matching the status and Binance code (module docstring).
    """
    if response.is_success:
        return response
    raise error_from_response(response, endpoint, now)


def decode_json(response: httpx.Response, endpoint: str) -> Any:
    """The JSON body of a successful response.

    Raises:
        BinanceResponseError: when the body is not JSON.
    """
    try:
        return response.json()
    except ValueError as exc:
        raise BinanceResponseError(
            f"{endpoint}: response is not JSON: {response.text[:120]!r}", endpoint=endpoint
        ) from exc
