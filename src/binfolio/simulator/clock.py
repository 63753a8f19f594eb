"""The simulator's two clocks.

* The **market clock** (``now_ms``) drives prices, klines, order fills, histories and pending
  transitions. It starts at ``start_ms``, runs at ``speed`` times the wall clock (0 = frozen),
  and can be set or advanced through ``/_sim/clock``.
* The **server clock** (``server_ms``) is the wall clock plus a settable skew. Signed requests'
  ``timestamp``/``recvWindow`` are checked against it and ``/api/v3/time`` reports it, so real
  clients that never sync their clock keep working while tests move market time by days.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class SimClock:
    """Market time that can run in real time, accelerated, frozen, or be moved by hand."""

    def __init__(
        self,
        start_ms: int | None = None,
        speed: float = 1.0,
        wall_seconds: Callable[[], float] = time.time,
    ) -> None:
        self._wall_seconds = wall_seconds
        self._lock = threading.Lock()
        self._base_wall_ms = self.wall_ms()
        self._base_sim_ms = self._base_wall_ms if start_ms is None else start_ms
        self.start_ms = self._base_sim_ms
        self._speed = speed
        self.skew_ms = 0

    def wall_ms(self) -> int:
        """Wall-clock milliseconds since the epoch."""
        return int(self._wall_seconds() * 1000)

    def server_ms(self) -> int:
        """The time signed requests are checked against (wall clock plus skew)."""
        return self.wall_ms() + self.skew_ms

    @property
    def speed(self) -> float:
        """Simulated milliseconds per wall millisecond."""
        return self._speed

    def now_ms(self) -> int:
        """The market time now."""
        elapsed_ms = self.wall_ms() - self._base_wall_ms
        return self._base_sim_ms + int(elapsed_ms * self._speed)

    def set_ms(self, time_ms: int) -> int:
        """Jump the market clock to ``time_ms``; it keeps running at its speed from there."""
        with self._lock:
            self._base_wall_ms = self.wall_ms()
            self._base_sim_ms = time_ms
        return time_ms

    def advance(self, delta_ms: int) -> int:
        """Move the market clock forward (or back, with a negative delta)."""
        return self.set_ms(self.now_ms() + delta_ms)

    def set_speed(self, speed: float) -> None:
        """Change the speed from now on without a jump.

        Raises:
            ValueError: for a negative speed.
        """
        if speed < 0:
            raise ValueError(f"speed {speed} is negative; use 0 to freeze the clock")
        with self._lock:
            now = self.now_ms()
            self._base_wall_ms = self.wall_ms()
            self._base_sim_ms = now
            self._speed = speed
