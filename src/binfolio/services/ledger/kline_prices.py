"""1-minute kline closes, fetched at most once per symbol and minute and kept in ``kline_prices``.

Flows and rebalances are priced at "the close of the 1-minute kline containing the time"
(docs/performance.md). A close is final only once the minute is over, so we ask Binance for two
klines from the minute: a second one proves the first has closed. Only final closes are cached;
a minute that is still open answers :data:`PENDING`, and the caller tries again on its next run.

A minute with no kline of its own (a trading halt or a maintenance gap: the first kline from it
opens later) takes the close of the last kline that opened before it, once the minute is final;
the price had not moved since then. Until then, and while no kline from the minute on exists at
all, it is PENDING too, never "no price": a gap must not turn a deposit into profit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal
from enum import Enum
from typing import Any

from binfolio.domain.money import MoneyParseError, to_decimal
from binfolio.services.ports import Db, KlineCache, KlineKey, KlineReader

log = logging.getLogger(__name__)

MINUTE_MS = 60_000
# A minute this far in the past is final even without a following kline (a delisted market
# stops producing klines; it must not stay pending for ever).
_FINAL_AFTER_MS = 60 * MINUTE_MS


KlineSource = KlineReader
"""Anything that answers ``GET /api/v3/klines`` (our Binance client does)."""


class Pending(Enum):
    """The kline of the minute has not closed yet."""

    PENDING = "pending"


PENDING = Pending.PENDING
Close = Decimal | None | Pending
"""A final close; PENDING (not closed yet, or no source to ask); None: no kline at or before it."""


class KlineCloses:
    """Closes by (symbol, minute): memory, then the ``kline_prices`` cache, then Binance.

    Cache reads run through ``db`` (worker threads). New final closes are collected in
    :attr:`fresh`; the caller stores them with its own write, so that HTTP calls never happen
    inside a write transaction.
    """

    def __init__(
        self, cache: KlineCache, db: Db, source: KlineSource | None, *, now_ms: int
    ) -> None:
        self._cache = cache
        self._db = db
        self._source = source
        self._now_ms = now_ms
        self._memo: dict[KlineKey, Decimal] = {}
        self._looked_up: set[KlineKey] = set()
        self.fresh: dict[KlineKey, Decimal] = {}
        self.requests = 0

    async def preload(self, symbols: Iterable[str], minutes_ms: Iterable[int]) -> None:
        """Read the cached closes of these symbols and minutes in one worker-thread call."""
        await self.preload_keys({(s, m) for s in set(symbols) for m in set(minutes_ms)})

    async def preload_keys(self, wanted: Iterable[KlineKey]) -> None:
        """Read the cached closes of these (symbol, minute) keys in one worker-thread call."""
        keys = set(wanted) - self._looked_up
        if keys:
            self._memo.update(await self._db.call(self._cache.closes, keys))
            self._looked_up |= keys

    async def cached(self, symbol: str, minute_ms: int) -> Decimal | None:
        """The close if it is known without asking Binance."""
        await self.preload([symbol], [minute_ms])
        return self._memo.get((symbol, minute_ms))

    async def close(self, symbol: str, minute_ms: int) -> Close:
        """The close of ``symbol``'s kline opening at ``minute_ms`` (else the one before it).

        None means the market had no kline yet at that minute (or sent a malformed close).

        Raises:
            ValueError: when ``minute_ms`` is not a whole minute.
        """
        if minute_ms % MINUTE_MS:
            raise ValueError(f"{minute_ms} is not the start of a minute")
        known = await self.cached(symbol, minute_ms)
        if known is not None:
            return known
        if self._source is None:
            return PENDING  # offline: not known yet, rather than known to be missing
        final = self._now_ms >= minute_ms + _FINAL_AFTER_MS
        self.requests += 1
        rows = await self._source.klines(symbol, "1m", start_ms=minute_ms, limit=2)
        if not rows:
            # No kline since that minute at all: Binance has not got there yet (or a halt is
            # still going on). Later klines will tell.
            return PENDING
        if int(rows[0][0]) != minute_ms:
            # The first kline opens later: none at that minute (halt, maintenance, no market yet).
            return await self._close_before(self._source, symbol, minute_ms) if final else PENDING
        if len(rows) < 2 and not final:
            return PENDING
        return self._keep(symbol, minute_ms, rows[0])

    async def _close_before(
        self, source: KlineSource, symbol: str, minute_ms: int
    ) -> Decimal | None:
        """The close of the last kline opening at or before ``minute_ms``, kept for that minute."""
        self.requests += 1
        rows = await source.klines(
            symbol, "1m", start_ms=None, end_ms=minute_ms + MINUTE_MS - 1, limit=1
        )
        if not rows or int(rows[-1][0]) > minute_ms:
            return None  # the market did not exist yet: the caller tries the next route
        return self._keep(symbol, minute_ms, rows[-1])

    def _keep(self, symbol: str, minute_ms: int, row: list[Any]) -> Decimal | None:
        try:
            close = to_decimal(row[4], field=f"{symbol} kline close")
        except MoneyParseError:
            log.warning("ignoring kline of %s at %d with close %r", symbol, minute_ms, row[4])
            return None
        self._memo[(symbol, minute_ms)] = close
        self.fresh[(symbol, minute_ms)] = close
        return close
