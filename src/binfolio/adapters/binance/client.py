"""The signed Binance client of one account: wallets, history and key checks.

Every signed request carries ``X-MBX-APIKEY``, ``timestamp`` (local clock + server offset) and
``recvWindow``, and is signed over its percent-encoded payload. The server-time offset is synced
before the first signed call and again after a -1021, which is then retried once.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx
from pydantic import SecretStr

from binfolio.adapters.binance import parsing
from binfolio.adapters.binance.endpoints import (
    API_RESTRICTIONS,
    DEPOSIT_HISTORY,
    EARN_FLEXIBLE,
    EARN_LOCKED,
    FUNDING_ASSETS,
    FUTURES_ACCOUNT,
    SPOT_ACCOUNT,
    WALLET_BALANCE,
    WITHDRAW_HISTORY,
    Endpoint,
)
from binfolio.adapters.binance.errors import BinanceClockError, BinanceResponseError
from binfolio.adapters.binance.limiter import WeightLimiter
from binfolio.adapters.binance.market import MarketDataClient
from binfolio.adapters.binance.rest import RetryPolicy
from binfolio.adapters.binance.server_time import ServerTimeOffset
from binfolio.adapters.binance.signing import ParamValue, signed_query
from binfolio.domain.clock import Clock
from binfolio.domain.snapshot import Holding, Wallet

EARN_PAGE_SIZE_MAX = 100
HISTORY_PAGE_LIMIT = 1000
_MAX_PAGES = 1000  # a runaway pager is a bug, not a big account


def key_fingerprint(api_key: SecretStr) -> str:
    """A stable, non-secret id of a key: names its per-account (UID) rate-limit pools."""
    return hashlib.sha256(api_key.get_secret_value().encode()).hexdigest()[:16]


class BinanceClient(MarketDataClient):
    """One account's signed calls (plus the public ones it inherits)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        futures_base_url: str,
        api_key: SecretStr,
        api_secret: SecretStr,
        limiter: WeightLimiter,
        clock: Clock,
        recv_window_ms: int = 5000,
        retry: RetryPolicy | None = None,
        time_offset: ServerTimeOffset | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        super().__init__(
            http,
            base_url=base_url,
            futures_base_url=futures_base_url,
            limiter=limiter,
            clock=clock,
            retry=retry,
            account_id=key_fingerprint(api_key),
            sleep=sleep,
        )
        self._api_key = api_key
        self._api_secret = api_secret
        self._recv_window_ms = recv_window_ms
        self.time_offset = time_offset or ServerTimeOffset(clock)

    async def _signed(self, endpoint: Endpoint, params: dict[str, ParamValue] | None = None) -> Any:
        await self.time_offset.ensure(self)
        headers = {"X-MBX-APIKEY": self._api_key.get_secret_value()}

        def query() -> str:
            stamped: dict[str, ParamValue] = {
                **(params or {}),
                "recvWindow": self._recv_window_ms,
                "timestamp": self.time_offset.timestamp_ms(),
            }
            return signed_query(self._api_secret.get_secret_value(), stamped)

        stale = self.time_offset.offset_ms
        try:
            return await self._rest.call(endpoint, query, headers)
        except BinanceClockError:
            # Our clock (or Binance's) moved: resync once and repeat; a second -1021 is final.
            await self.time_offset.resync(self, stale)
            return await self._rest.call(endpoint, query, headers)

    async def spot_holdings(self) -> list[Holding]:
        """Spot balances, free + locked, non-zero only.

        Raises:
            BinanceError: when the call fails.
        """
        raw = await self._signed(SPOT_ACCOUNT, {"omitZeroBalances": True})
        return parsing.spot_holdings(raw, SPOT_ACCOUNT.name)

    async def funding_holdings(self) -> list[Holding]:
        """Funding wallet balances.

        Raises:
            BinanceError: when the call fails.
        """
        raw = await self._signed(FUNDING_ASSETS)
        return parsing.funding_holdings(raw, FUNDING_ASSETS.name)

    async def earn_holdings(
        self, wallet: Wallet, *, page_size: int = EARN_PAGE_SIZE_MAX
    ) -> list[Holding]:
        """Simple Earn positions (``EARN_FLEXIBLE`` or ``EARN_LOCKED``), every page.

        Raises:
            BinanceError: when any page fails (a wallet read in part is not read).
        """
        endpoint = EARN_FLEXIBLE if wallet is Wallet.EARN_FLEXIBLE else EARN_LOCKED
        holdings: list[Holding] = []
        for current in range(1, _MAX_PAGES + 1):
            raw = await self._signed(endpoint, {"current": current, "size": page_size})
            page, total = parsing.earn_page(raw, endpoint.name, wallet)
            holdings += page
            if not page or len(holdings) >= total:
                return holdings
        raise BinanceResponseError(
            f"{endpoint.name}: more than {_MAX_PAGES} pages", endpoint=endpoint.name
        )

    async def futures_holdings(self) -> list[Holding]:
        """USD-M futures per asset: margin balance, wallet balance and unrealised PnL.

        Raises:
            BinanceError: when the call fails (-2015 when the key lacks futures permission).
        """
        raw = await self._signed(FUTURES_ACCOUNT)
        return parsing.futures_holdings(raw, FUTURES_ACCOUNT.name)

    async def wallet_balances(self, quote_asset: str = "USDT") -> dict[str, Decimal]:
        """Binance's own total per wallet (Spot, Funding, Earn, …) in ``quote_asset``.

        Raises:
            BinanceError: when the call fails.
        """
        raw = await self._signed(WALLET_BALANCE, {"quoteAsset": quote_asset})
        return parsing.wallet_balances(raw, WALLET_BALANCE.name)

    async def api_restrictions(self) -> dict[str, Any]:
        """What the key may do: ``enableReading``, ``enableWithdrawals``, ….

        Raises:
            BinanceError: when the call fails (BinanceAuthError for a bad key).
        """
        raw = await self._signed(API_RESTRICTIONS)
        if not isinstance(raw, dict):
            raise BinanceResponseError(
                f"{API_RESTRICTIONS.name}: expected an object", endpoint=API_RESTRICTIONS.name
            )
        return raw

    async def deposit_history(self, *, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """Raw deposit records with ``insertTime`` in [start_ms, end_ms] (< 90 days), all pages.

        Raises:
            BinanceError: when a call fails.
        """
        return await self._history(DEPOSIT_HISTORY, start_ms, end_ms)

    async def withdraw_history(self, *, start_ms: int, end_ms: int) -> list[dict[str, Any]]:
        """Raw withdrawal records with ``applyTime`` in the window (< 90 days), all pages.

        Costs 18000 UID weight per page: at most 10 calls a minute per account.

        Raises:
            BinanceError: when a call fails.
        """
        return await self._history(WITHDRAW_HISTORY, start_ms, end_ms)

    async def _history(
        self, endpoint: Endpoint, start_ms: int, end_ms: int
    ) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = []
        for page in range(_MAX_PAGES):
            params: dict[str, ParamValue] = {
                "startTime": start_ms,
                "endTime": end_ms,
                "offset": page * HISTORY_PAGE_LIMIT,
                "limit": HISTORY_PAGE_LIMIT,
            }
            rows = parsing.records(await self._signed(endpoint, params), endpoint.name)
            records += rows
            if len(rows) < HISTORY_PAGE_LIMIT:
                return records
        raise BinanceResponseError(
            f"{endpoint.name}: more than {_MAX_PAGES} pages", endpoint=endpoint.name
        )
