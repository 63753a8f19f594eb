"""Deterministic ``newClientOrderId`` values: one signal, one id, on every attempt.

Binance accepts ``^[a-zA-Z0-9-_]{1,36}$`` on spot (futures also allow ``.:/``); the id is unique
only among *open* orders, so it protects against a double send of a resting order but not of a
filled one: the trader always looks an order up by this id before sending it again (see
``docs/trading.md``).
"""

from __future__ import annotations

import base64
import hashlib
import re

CLIENT_ORDER_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}\Z")
_PREFIX = "bf"


def client_order_id(mode: str, signal_key: str) -> str:
    """The order id of the signal stored under ``signal_key`` in ``mode``.

    ``bf`` + the mode's initial + ``-`` + 30 characters of a URL-safe SHA-256: 34 characters,
    all in ``[A-Za-z0-9_-]``, different per mode so that testnet and live never share one.
    """
    digest = hashlib.sha256(f"{mode}\x00{signal_key}".encode()).digest()
    token = base64.urlsafe_b64encode(digest).decode("ascii")[:30]
    return f"{_PREFIX}{mode[:1]}-{token}"
