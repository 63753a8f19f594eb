"""A weight-aware limiter: a big run slows down instead of earning a 429 (and then a 418).

One limiter is shared by every client of a run (IP pools are shared by all accounts). Each pool
keeps the weight we spent in a *sliding* 60-second window and admits a request only while the
window stays under ``budget_fraction`` of Binance's limit. A sliding window under the budget is
also under it in any fixed minute, so we are safe however the server aligns its minutes.

Binance's used-weight headers report what the server counted, including other processes on this
IP (an earlier run in the same minute); when they report more than we know of, the difference is
booked as outside use. Until a pool has seen one header, a burst may use only the headroom
between the budget and the limit: even if an earlier binfolio process filled its whole budget,
that burst cannot cross Binance's limit. The rest waits for the first answer.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from binfolio.adapters.binance.endpoints import POOL_LIMITS_1M, Endpoint, Pool
from binfolio.adapters.binance.errors import BinanceBannedError

WINDOW_S = 60.0
# How long a request waits for a first used-weight header before going anyway.
_FIRST_HEADER_WAIT_S = 2.0

PoolKey = tuple[Pool, str, str]
"""(pool, endpoint path for /sapi pools, account id for UID pools)."""


def pool_key(endpoint: Endpoint, account_id: str) -> PoolKey:
    """The pool a request to ``endpoint`` draws on."""
    if endpoint.pool is Pool.SAPI_UID:
        return (endpoint.pool, endpoint.path, account_id)
    if endpoint.pool is Pool.SAPI_IP:
        return (endpoint.pool, endpoint.path, "")
    return (endpoint.pool, "", "")


@dataclass
class _PoolState:
    entries: deque[tuple[float, int]] = field(default_factory=deque)
    used: int = 0
    paused_until: float = 0.0
    observed: asyncio.Event = field(default_factory=asyncio.Event)

    def expire(self, before: float) -> None:
        while self.entries and self.entries[0][0] <= before:
            self.used -= self.entries.popleft()[1]

    def book(self, at: float, weight: int) -> None:
        self.entries.append((at, weight))
        self.used += weight


class WeightLimiter:
    """Admits requests so that no pool passes ``budget_fraction`` of its Binance limit."""

    def __init__(
        self,
        *,
        budget_fraction: float = 0.9,
        limits: dict[Pool, int] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        limits = limits or POOL_LIMITS_1M
        self._budgets = {pool: int(limit * budget_fraction) for pool, limit in limits.items()}
        self._headroom = {pool: limit - self._budgets[pool] for pool, limit in limits.items()}
        self._now = monotonic
        self._sleep = sleep
        self._pools: dict[PoolKey, _PoolState] = {}
        self._banned: BinanceBannedError | None = None
        self.waits = 0
        self.waited_s = 0.0
        # Requests asleep now, and seconds slept, per pool: what a progress display shows.
        self.waiting: dict[PoolKey, int] = {}
        self.waited_s_by_pool: dict[PoolKey, float] = {}

    def budget(self, pool: Pool) -> int:
        """The weight a minute this limiter lets through in ``pool``."""
        return self._budgets[pool]

    def _state(self, key: PoolKey) -> _PoolState:
        if key not in self._pools:
            self._pools[key] = _PoolState()
        return self._pools[key]

    def used(self, key: PoolKey) -> int:
        """Weight booked in the last minute (ours plus outside use seen in headers)."""
        state = self._state(key)
        state.expire(self._now() - WINDOW_S)
        return state.used

    def _wait_s(self, state: _PoolState, budget: int, weight: int, now: float) -> float:
        if state.paused_until > now:
            return state.paused_until - now
        excess = state.used + weight - budget
        if excess <= 0:
            return 0.0
        freed = 0
        for booked_at, booked in state.entries:
            freed += booked
            if freed >= excess:
                return booked_at + WINDOW_S - now
        return WINDOW_S  # one request heavier than the whole budget: wait a full window

    async def acquire(self, key: PoolKey, weight: int) -> None:
        """Wait until ``weight`` fits in the pool, then book it.

        Raises:
            BinanceBannedError: once any request of this limiter was banned (418).
        """
        budget, headroom = self._budgets[key[0]], self._headroom[key[0]]
        state = self._state(key)
        while True:
            if self._banned is not None:
                raise self._banned
            now = self._now()
            state.expire(now - WINDOW_S)
            blind = not state.observed.is_set()
            if blind and state.used > 0 and state.used + weight > headroom:
                await self._wait_for_first_header(state)
                continue
            wait_s = self._wait_s(state, budget, weight, now)
            if wait_s <= 0:
                state.book(now, weight)
                return
            self.waits += 1
            self.waited_s += wait_s
            self.waited_s_by_pool[key] = self.waited_s_by_pool.get(key, 0.0) + wait_s
            self.waiting[key] = self.waiting.get(key, 0) + 1
            try:
                await self._sleep(wait_s + 0.01)
            finally:
                self.waiting[key] -= 1

    async def _wait_for_first_header(self, state: _PoolState) -> None:
        try:
            await asyncio.wait_for(state.observed.wait(), _FIRST_HEADER_WAIT_S)
        except TimeoutError:
            state.observed.set()  # nothing came back; go on with our own count

    def observe(self, key: PoolKey, reported_used: int | None) -> None:
        """Record a response: the server's used-weight header (None when absent)."""
        state = self._state(key)
        state.observed.set()
        if reported_used is None:
            return
        now = self._now()
        state.expire(now - WINDOW_S)
        if reported_used > state.used:
            state.book(now, reported_used - state.used)

    def pause(self, key: PoolKey, seconds: float) -> None:
        """Hold every request to the pool for ``seconds`` (a 429's Retry-After)."""
        state = self._state(key)
        state.paused_until = max(state.paused_until, self._now() + seconds)

    def ban(self, error: BinanceBannedError) -> None:
        """Refuse every further request: after a 418, each one would lengthen the ban."""
        self._banned = error

    @property
    def banned(self) -> BinanceBannedError | None:
        """The ban that stopped this limiter, if any."""
        return self._banned
