"""Public market data (no API key): server time, every price in one call, klines.

One :class:`MarketDataClient` serves a whole run: the all-prices response is fetched once and
shared by every account (weight 4, instead of 2 per asset per account; docs/binance.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx

from binfolio.adapters.binance import parsing
from binfolio.adapters.binance.endpoints import KLINES, SERVER_TIME, TICKER_PRICES
from binfolio.adapters.binance.errors import BinanceResponseError
from binfolio.adapters.binance.limiter import WeightLimiter
from binfolio.adapters.binance.rest import RequestStats, RestCore, RetryPolicy
from binfolio.adapters.binance.signing import ParamValue, encode_params
from binfolio.domain.clock import Clock


class MarketDataClient:
    """Unsigned Binance calls on a shared ``httpx.AsyncClient`` and limiter."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        limiter: WeightLimiter,
        clock: Clock,
        retry: RetryPolicy | None = None,
        futures_base_url: str | None = None,
        account_id: str = "",
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._clock = clock
        self._rest = RestCore(
            http,
            base_url=base_url,
            futures_base_url=futures_base_url or base_url,
            limiter=limiter,
            clock=clock,
            retry=retry,
            account_id=account_id,
            sleep=sleep,
        )

    @property
    def stats(self) -> RequestStats:
        """Requests, weight, retries and failed attempts of this client so far."""
        return self._rest.stats

    async def server_time_ms(self) -> int:
        """Binance's clock, in ms.

        Raises:
            BinanceError: when the call fails.
        """
        raw = await self._rest.call(SERVER_TIME, lambda: "")
        if not isinstance(raw, dict) or not isinstance(raw.get("serverTime"), int):
            raise BinanceResponseError(
                f"{SERVER_TIME.name}: field 'serverTime' missing or not an integer",
                endpoint=SERVER_TIME.name,
            )
        return int(raw["serverTime"])

    async def ticker_prices(self) -> dict[str, Decimal]:
        """Every symbol's last price, in one request: ``{"BTCUSDT": Decimal(…), …}``.

        Raises:
            BinanceError: when the call fails.
        """
        raw = await self._rest.call(TICKER_PRICES, lambda: "")
        return parsing.ticker_prices(raw, TICKER_PRICES.name)

    async def klines(
        self,
        symbol: str,
        interval: str,
        *,
        start_ms: int | None,
        limit: int,
        end_ms: int | None = None,
    ) -> list[list[Any]]:
        """Raw klines, oldest first: ``[open_ms, open, high, low, close, …]`` (strings).

        Opening at or after ``start_ms``; without it, the last ``limit`` opening at or before
        ``end_ms`` (or now).

        Raises:
            BinanceError: when the call fails (an unknown symbol is a bad request, -1121).
        """
        params: dict[str, ParamValue] = {"symbol": symbol, "interval": interval}
        if start_ms is not None:
            params["startTime"] = start_ms
        if end_ms is not None:
            params["endTime"] = end_ms
        params["limit"] = limit
        raw = await self._rest.call(KLINES, lambda: encode_params(params))
        if not isinstance(raw, list) or not all(isinstance(row, list) for row in raw):
            raise BinanceResponseError(
                f"{KLINES.name}: expected a list of lists, got {str(raw)[:120]}",
                endpoint=KLINES.name,
            )
        return raw
