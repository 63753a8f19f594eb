"""HMAC-SHA256 request signing, Binance's way.

Since 2026-01-15 Binance signs the *percent-encoded* payload: the query string exactly as it goes
on the wire, concatenated without separator to the form body. So we encode once, sign those very
bytes, and send them unchanged; encoding after signing is how clients earn -1022.
See docs/binance.md ("Signing") and Binance's "SIGNED Endpoint Examples".
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import quote, urlencode

ParamValue = str | int | bool


def _wire_value(value: ParamValue) -> str:
    # Binance expects lowercase booleans ("omitZeroBalances=true"); Python would send "True".
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def encode_params(params: Mapping[str, ParamValue]) -> str:
    """Percent-encode parameters in order, exactly as they will be sent.

    Every byte outside the unreserved set is escaped (a space becomes ``%20``), so non-ASCII
    values are encoded before signing, as Binance requires.
    """
    return urlencode(
        [(key, _wire_value(value)) for key, value in params.items()], quote_via=quote, safe=""
    )


def sign(secret: str, payload: str) -> str:
    """The lowercase hex HMAC-SHA256 of ``payload`` under ``secret``."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def signed_query(secret: str, params: Mapping[str, ParamValue]) -> str:
    """``encoded params`` + ``&signature=…``: the signature must be the last pair."""
    payload = encode_params(params)
    return f"{payload}&signature={sign(secret, payload)}"
