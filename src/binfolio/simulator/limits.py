"""Request-weight pools, 429s, IP bans and order counts (docs/binance.md, "Limits and pools").

Counters are plain integers per fixed wall-clock window, guarded by one lock: the hot path pays
a dict lookup and an addition. Limits are checked after adding the weight, so the request that
crosses the limit is the first to get 429, and a client that keeps sending after
``ban_after_429s`` 429s in a minute is banned (418) for ``ban_seconds``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable

from binfolio.simulator import errors
from binfolio.simulator.config import Limits

MINUTE_MS = 60_000


class WeightMeter:
    """Weight used per pool key in the current minute, plus strikes and bans per IP."""

    def __init__(self, limits: Limits, wall_ms: Callable[[], int]) -> None:
        self.limits = limits
        self._wall_ms = wall_ms
        self._lock = threading.Lock()
        self._used: dict[Hashable, tuple[int, int]] = {}
        self._strikes: dict[Hashable, tuple[int, int]] = {}
        self._banned_until_ms: dict[Hashable, int] = {}
        self._orders: dict[Hashable, tuple[int, int, int, int]] = {}

    def reset(self) -> None:
        """Forget all counters, strikes and bans."""
        with self._lock:
            self._used.clear()
            self._strikes.clear()
            self._banned_until_ms.clear()
            self._orders.clear()

    def check_ban(self, family: str, client_ip: str) -> None:
        """Refuse a banned client.

        Raises:
            BinanceErrorReply: 418 -1003 while the IP is banned for this API family.
        """
        until_ms = self._banned_until_ms.get((family, client_ip))
        if until_ms is None:
            return
        now_ms = self._wall_ms()
        if now_ms >= until_ms:
            with self._lock:
                self._banned_until_ms.pop((family, client_ip), None)
            return
        raise errors.banned(until_ms, -(-(until_ms - now_ms) // 1000))

    def used(self, key: Hashable) -> int:
        """Weight used by ``key`` in the current minute."""
        window = self._wall_ms() // MINUTE_MS
        entry = self._used.get(key)
        return entry[1] if entry and entry[0] == window else 0

    def charge(self, key: Hashable, weight: int, limit: int, family: str, client_ip: str) -> int:
        """Add ``weight`` to the pool and return the minute's total.

        Raises:
            BinanceErrorReply: 429 -1003 with ``Retry-After`` when the total is over ``limit``, or
                418 when this was one 429 too many and the IP is now banned.
        """
        now_ms = self._wall_ms()
        window = now_ms // MINUTE_MS
        with self._lock:
            entry = self._used.get(key)
            used = (entry[1] if entry and entry[0] == window else 0) + weight
            self._used[key] = (window, used)
            if used <= limit:
                return used
            strike_key = (family, client_ip)
            strike = self._strikes.get(strike_key)
            strikes = (strike[1] if strike and strike[0] == window else 0) + 1
            self._strikes[strike_key] = (window, strikes)
            if strikes > self.limits.ban_after_429s:
                until_ms = now_ms + self.limits.ban_seconds * 1000
                self._banned_until_ms[strike_key] = until_ms
                raise errors.banned(until_ms, self.limits.ban_seconds)
        retry_after_s = -(-((window + 1) * MINUTE_MS - now_ms) // 1000)
        raise errors.too_much_weight(limit, retry_after_s)

    def refund(self, key: Hashable, weight: int) -> int:
        """Give weight back (successful spot orders cost nothing since 2026-04-02)."""
        window = self._wall_ms() // MINUTE_MS
        with self._lock:
            entry = self._used.get(key)
            if not entry or entry[0] != window:
                return 0
            used = max(0, entry[1] - weight)
            self._used[key] = (window, used)
            return used

    def count_order(self, account_uid: int) -> tuple[int, int]:
        """Count one new order for the account; return the 10-second and daily counts.

        Raises:
            BinanceErrorReply: 429 -1015 past the ORDERS limits (without ``Retry-After``).
        """
        now_ms = self._wall_ms()
        ten_s, day = now_ms // 10_000, now_ms // 86_400_000
        with self._lock:
            w10, c10, wday, cday = self._orders.get(account_uid, (ten_s, 0, day, 0))
            c10 = (c10 if w10 == ten_s else 0) + 1
            cday = (cday if wday == day else 0) + 1
            self._orders[account_uid] = (ten_s, c10, day, cday)
        if c10 > self.limits.orders_10s:
            raise errors.BinanceErrorReply(
                429,
                -1015,
                f"Too many new orders; current limit is {self.limits.orders_10s} "
                "orders per 10 SECOND.",
            )
        if cday > self.limits.orders_1d:
            raise errors.BinanceErrorReply(
                429,
                -1015,
                f"Too many new orders; current limit is {self.limits.orders_1d} orders per DAY.",
            )
        return c10, cday
