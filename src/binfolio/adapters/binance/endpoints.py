"""The Binance endpoints binfolio calls, with their weight and the limit pool they draw on.

Weights are Binance's, listed with links in docs/binance.md. The pools are independent: ``/api``
counts per IP, ``/fapi`` per IP, and every ``/sapi`` endpoint has its own per-IP or per-account
(UID) budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Pool(StrEnum):
    """A Binance rate-limit pool."""

    API = "api"  # /api/*: 6000 per minute per IP
    SAPI_IP = "sapi_ip"  # /sapi/* IP-weighted: 12000 per minute per IP, per endpoint
    SAPI_UID = "sapi_uid"  # /sapi/* UID-weighted: 180000 per minute per account, per endpoint
    FAPI = "fapi"  # /fapi/*: 2400 per minute per IP


POOL_LIMITS_1M: dict[Pool, int] = {
    Pool.API: 6000,
    Pool.SAPI_IP: 12000,
    Pool.SAPI_UID: 180000,
    Pool.FAPI: 2400,
}

# Which response header reports the pool's used weight in the current minute.
USED_WEIGHT_HEADERS: dict[Pool, str] = {
    Pool.API: "X-MBX-USED-WEIGHT-1M",
    Pool.SAPI_IP: "X-SAPI-USED-IP-WEIGHT-1M",
    Pool.SAPI_UID: "X-SAPI-USED-UID-WEIGHT-1M",
    Pool.FAPI: "X-MBX-USED-WEIGHT-1M",
}


@dataclass(frozen=True)
class Endpoint:
    """One REST endpoint: how to call it and what it costs."""

    method: str
    path: str
    weight: int
    pool: Pool
    signed: bool = True
    # Reads are safe to repeat; anything that changes state is sent once.
    idempotent: bool = True

    @property
    def name(self) -> str:
        """``GET /api/v3/account``: how errors and logs name the call."""
        return f"{self.method} {self.path}"

    @property
    def futures(self) -> bool:
        """True when the endpoint lives on the futures base URL."""
        return self.pool is Pool.FAPI


SERVER_TIME = Endpoint("GET", "/api/v3/time", 1, Pool.API, signed=False)
TICKER_PRICES = Endpoint("GET", "/api/v3/ticker/price", 4, Pool.API, signed=False)
KLINES = Endpoint("GET", "/api/v3/klines", 2, Pool.API, signed=False)
SPOT_ACCOUNT = Endpoint("GET", "/api/v3/account", 20, Pool.API)
# A read, although Binance made it a POST.
FUNDING_ASSETS = Endpoint("POST", "/sapi/v1/asset/get-funding-asset", 1, Pool.SAPI_IP)
EARN_FLEXIBLE = Endpoint("GET", "/sapi/v1/simple-earn/flexible/position", 150, Pool.SAPI_IP)
EARN_LOCKED = Endpoint("GET", "/sapi/v1/simple-earn/locked/position", 150, Pool.SAPI_IP)
WALLET_BALANCE = Endpoint("GET", "/sapi/v1/asset/wallet/balance", 60, Pool.SAPI_IP)
API_RESTRICTIONS = Endpoint("GET", "/sapi/v1/account/apiRestrictions", 1, Pool.SAPI_IP)
DEPOSIT_HISTORY = Endpoint("GET", "/sapi/v1/capital/deposit/hisrec", 1, Pool.SAPI_IP)
WITHDRAW_HISTORY = Endpoint("GET", "/sapi/v1/capital/withdraw/history", 18000, Pool.SAPI_UID)
FUTURES_ACCOUNT = Endpoint("GET", "/fapi/v3/account", 5, Pool.FAPI)

# The trader's spot endpoints (https://developers.binance.com/docs/binance-spot-api-docs/rest-api).
PING = Endpoint("GET", "/api/v3/ping", 1, Pool.API, signed=False)
EXCHANGE_INFO = Endpoint("GET", "/api/v3/exchangeInfo", 20, Pool.API, signed=False)
TICKER_PRICE = Endpoint("GET", "/api/v3/ticker/price", 2, Pool.API, signed=False)  # one symbol
# Placing an order is never repeated blindly: an unknown outcome is looked up first.
NEW_ORDER = Endpoint("POST", "/api/v3/order", 1, Pool.API, idempotent=False)
QUERY_ORDER = Endpoint("GET", "/api/v3/order", 4, Pool.API)
