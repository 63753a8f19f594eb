"""Request parameters and Binance's request security (docs/binance.md, "Signing", "Timing").

The HMAC payload is the raw query string followed, without a separator, by the raw body, each
with its ``signature=…`` pair removed, exactly as the bytes arrived: nothing is decoded and
re-encoded, so a client that signs the percent-encoded payload (Binance's rule since 2026-01-15)
passes, and one that signs one form and sends another fails with -1022 as on Binance.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl

from binfolio.simulator import errors

MAX_RECV_WINDOW_MS = 60000
DEFAULT_RECV_WINDOW_MS = 5000
_TRUE = {"true", "TRUE", "True", "1"}
_FALSE = {"false", "FALSE", "False", "0"}


def _pairs(raw: bytes) -> dict[str, str]:
    values: dict[str, str] = {}
    for key, value in parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True):
        if key in values:
            raise errors.duplicate_param()
        values[key] = value
    return values


class Params:
    """The request's parameters from the query and the form body (the query wins)."""

    def __init__(self, raw_query: bytes, raw_body: bytes) -> None:
        """Parse both parts.

        Raises:
            BinanceErrorReply: -1101 when a parameter is repeated within one part.
        """
        self.values = _pairs(raw_body) if raw_body else {}
        self.values.update(_pairs(raw_query))

    def get(self, name: str) -> str | None:
        """The raw value, or None when absent or empty."""
        value = self.values.get(name)
        return value if value else None

    def require(self, name: str) -> str:
        """The raw value.

        Raises:
            BinanceErrorReply: -1102 when absent or empty.
        """
        value = self.get(name)
        if value is None:
            raise errors.missing_param(name)
        return value

    def integer(self, name: str, default: int | None = None) -> int | None:
        """An integer parameter, or ``default`` when absent.

        Raises:
            BinanceErrorReply: -1102 when the value is not an integer.
        """
        value = self.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except ValueError:
            raise errors.malformed_param(name) from None

    def decimal(self, name: str) -> Decimal | None:
        """A decimal parameter (quantities, prices), or None when absent.

        Raises:
            BinanceErrorReply: -1100 when the value is not a plain decimal number.
        """
        value = self.get(name)
        if value is None:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite() or "e" in value.lower() or number < 0:
            raise errors.illegal_chars(name, "^([0-9]{1,20})(\\.[0-9]{1,20})?$")
        return number

    def boolean(self, name: str, default: bool = False) -> bool:
        """A BOOLEAN parameter.

        Raises:
            BinanceErrorReply: -1102 for a value that is neither true nor false.
        """
        value = self.get(name)
        if value is None:
            return default
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise errors.malformed_param(name)

    def string_list(self, name: str) -> list[str] | None:
        """A JSON-array parameter such as ``symbols=["BTCUSDT","ETHBTC"]``.

        Raises:
            BinanceErrorReply: -1102 when the value is not a list of strings.
        """
        value = self.get(name)
        if value is None:
            return None
        try:
            items = json.loads(value)
        except ValueError:
            items = [item.strip().strip('"') for item in value.strip("[]").split(",")]
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            raise errors.malformed_param(name)
        return items


def _without_signature(raw: bytes) -> tuple[bytes, str | None]:
    if not raw:
        return b"", None
    signature = None
    kept = []
    for pair in raw.split(b"&"):
        if pair.startswith(b"signature="):
            signature = pair[len(b"signature=") :].decode("ascii", "replace")
        else:
            kept.append(pair)
    return b"&".join(kept), signature


def check_signature(secret: str, raw_query: bytes, raw_body: bytes) -> None:
    """Verify the HMAC-SHA256 signature over the raw query plus raw body.

    Raises:
        BinanceErrorReply: -1102 when no signature was sent, -1022 when it does not match.
    """
    query, query_signature = _without_signature(raw_query)
    body, body_signature = _without_signature(raw_body)
    signature = query_signature or body_signature
    if not signature:
        raise errors.missing_param("signature")
    expected = hmac.new(secret.encode(), query + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.lower()):
        raise errors.bad_signature()


def check_timestamp(params: Params, server_ms: int, *, allow_microseconds: bool) -> None:
    """Binance's timing security: ``timestamp`` within ``recvWindow`` of the server clock.

    Raises:
        BinanceErrorReply: -1102 for a missing/malformed ``timestamp`` or a ``recvWindow`` over
            60000, -1021 for a timestamp outside the window or ahead of the server.
    """
    timestamp = params.integer("timestamp")
    if timestamp is None:
        raise errors.missing_param("timestamp")
    if allow_microseconds and timestamp >= 10**15:
        timestamp //= 1000  # spot accepts microseconds (16 digits)
    window_text = params.get("recvWindow")
    try:
        window = Decimal(window_text) if window_text else Decimal(DEFAULT_RECV_WINDOW_MS)
    except InvalidOperation:
        raise errors.malformed_param("recvWindow") from None
    if window > MAX_RECV_WINDOW_MS:
        raise errors.bad_request(
            -1102, "'recvWindow' contains unexpected value. Cannot be greater than 60000."
        )
    if timestamp >= server_ms + 1000:
        raise errors.ahead_of_server()
    if server_ms - timestamp > window:
        raise errors.outside_recv_window()
