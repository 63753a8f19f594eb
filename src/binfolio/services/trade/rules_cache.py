"""exchangeInfo, cached: loaded at start, refreshed when older than its TTL or when a symbol is
missing (at most once a minute, so a stream of bad symbols cannot spend weight 20 each)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from binfolio.domain.clock import Clock
from binfolio.domain.trading.filters import SymbolRules
from binfolio.domain.trading.orders import ExchangeUnavailable
from binfolio.domain.trading.sizing import SizingRejected

log = logging.getLogger(__name__)

MISSING_SYMBOL_REFRESH = timedelta(minutes=1)


class RulesCache:
    """Symbol rules by name, refreshed from ``fetch`` (one ``exchangeInfo`` call)."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[dict[str, SymbolRules]]],
        *,
        ttl: timedelta,
        clock: Clock,
    ) -> None:
        self._fetch = fetch
        self._ttl = ttl
        self._clock = clock
        self._rules: dict[str, SymbolRules] = {}
        self._lock = asyncio.Lock()
        self.loaded_at: datetime | None = None

    @property
    def symbols(self) -> int:
        """How many symbols are cached."""
        return len(self._rules)

    async def refresh(self) -> int:
        """Load every symbol now; returns how many.

        Raises:
            ExchangeUnavailable: when exchangeInfo cannot be read.
        """
        async with self._lock:
            self._rules = await self._fetch()
            self.loaded_at = self._clock()
            return len(self._rules)

    def _due(self, symbol: str) -> bool:
        now = self._clock()
        if self.loaded_at is None or now - self.loaded_at > self._ttl:
            return True
        return symbol not in self._rules and now - self.loaded_at > MISSING_SYMBOL_REFRESH

    async def get(self, symbol: str) -> SymbolRules:
        """The rules of ``symbol``.

        Workers asking at the same moment share one refresh. A failed refresh keeps the older
        rules in use (filters rarely change) and is logged.

        Raises:
            SizingRejected: when Binance does not list the symbol.
            ExchangeUnavailable: when nothing is cached and exchangeInfo cannot be read.
        """
        if self._due(symbol):
            async with self._lock:
                if self._due(symbol):  # another worker may have refreshed while we waited
                    try:
                        self._rules = await self._fetch()
                        self.loaded_at = self._clock()
                    except ExchangeUnavailable:
                        if not self._rules:
                            raise
                        log.warning("exchangeInfo refresh failed; using the rules loaded earlier")
        rules = self._rules.get(symbol)
        if rules is None:
            raise SizingRejected(f"{symbol} is not a symbol of this exchange")
        return rules
