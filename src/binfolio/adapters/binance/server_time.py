"""The offset between our clock and Binance's, shared by every client of a run.

Signed requests are stamped with local time + offset; Binance rejects a stamp more than 1 s
ahead of its clock or older than ``recvWindow`` (-1021; docs/binance.md, "Timing").
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from binfolio.domain.clock import Clock, to_ms


class _TimeSource(Protocol):
    async def server_time_ms(self) -> int: ...


class ServerTimeOffset:
    """``server time − local time`` in ms, from a ``/api/v3/time`` call.

    Measured against the local time when the answer *arrived*: our estimate of Binance's clock
    can then only lag it, by at most the round trip. Lagging is harmless (``recvWindow`` allows
    5 s); running ahead by 1 s is -1021. A midpoint estimate goes ahead as soon as a request
    waits in a busy client before it is sent.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = asyncio.Lock()
        self.offset_ms: int | None = None
        self.syncs = 0

    def timestamp_ms(self) -> int:
        """Binance's time now, by our clock and the last measured offset."""
        return to_ms(self._clock()) + (self.offset_ms or 0)

    async def sync(self, source: _TimeSource) -> int:
        """Measure the offset now.

        Raises:
            BinanceError: when the time call fails.
        """
        server_ms = await source.server_time_ms()
        self.offset_ms = server_ms - to_ms(self._clock())
        self.syncs += 1
        return self.offset_ms

    async def ensure(self, source: _TimeSource) -> None:
        """Sync once, however many clients ask at the same moment.

        Raises:
            BinanceError: when the time call fails.
        """
        if self.offset_ms is not None:
            return
        async with self._lock:
            if self.offset_ms is None:
                await self.sync(source)

    async def resync(self, source: _TimeSource, stale_offset_ms: int | None) -> None:
        """Sync again after a -1021, unless another client already did since ``stale``.

        Raises:
            BinanceError: when the time call fails.
        """
        async with self._lock:
            if self.offset_ms == stale_offset_ms:
                await self.sync(source)
