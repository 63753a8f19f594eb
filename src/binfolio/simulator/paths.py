"""Seeded, deterministic price paths, generated lazily one simulated day at a time.

Each asset's log USD value is fixed at whole days from the start (a random walk of daily moves
driven by the scenario and a shared market factor, or independent levels around the start for
mean-reverting assets), and each day is filled with a minute-resolution Brownian bridge between
its two endpoints. A price 89 days back therefore costs 89 cheap daily draws plus one day of
minutes, not 89 days of minutes, and any instant's price is the same whichever way it is asked.

Floats are fine here: this is a random process. Prices leave the simulator as ``Decimal``
rounded to the symbol's tick (see ``market``).
"""

from __future__ import annotations

import math
import random
from collections import OrderedDict
from dataclasses import dataclass

from binfolio.simulator.catalogue import AssetSpec

MINUTE_MS = 60_000
DAY_MINUTES = 1440
_MINUTE_CACHE_DAYS = 64


@dataclass(frozen=True)
class Regime:
    """The market factor of a scenario, as daily log drift and volatility."""

    market_drift_day: float
    market_vol_day: float
    mean_reverting: bool = False
    crash_log: float = 0.0
    """Log move of the market factor spread over the first ``crash_minutes`` after the start."""
    crash_minutes: int = 60


REGIMES: dict[str, Regime] = {
    "steady": Regime(0.0008, 0.020),
    "bull": Regime(0.008, 0.025),
    "bear": Regime(-0.008, 0.030),
    "crash": Regime(0.0005, 0.020, crash_log=math.log(0.6)),
    "sideways": Regime(0.0, 0.012, mean_reverting=True),
}


class MarketNoise:
    """The common market shocks, shared by every asset so that majors move together."""

    def __init__(self, key: str) -> None:
        self._key = key
        self._daily: dict[int, float] = {}
        self._minutes: OrderedDict[int, list[float]] = OrderedDict()

    def daily(self, day: int) -> float:
        """The standard-normal market shock of one day."""
        if day not in self._daily:
            self._daily[day] = random.Random(f"{self._key}:market:day:{day}").gauss(0.0, 1.0)
        return self._daily[day]

    def minutes(self, day: int) -> list[float]:
        """Standard-normal market shocks of each minute of one day."""
        cached = self._minutes.get(day)
        if cached is None:
            rng = random.Random(f"{self._key}:market:min:{day}")
            cached = [rng.gauss(0.0, 1.0) for _ in range(DAY_MINUTES)]
            self._minutes[day] = cached
            if len(self._minutes) > _MINUTE_CACHE_DAYS:
                self._minutes.popitem(last=False)
        return cached


class AssetPath:
    """The USD value of one asset over all time, anchored at ``start_usd`` at the anchor minute."""

    def __init__(
        self,
        key: str,
        spec: AssetSpec,
        regime: Regime,
        market: MarketNoise,
        anchor_minute: int,
        start_usd: float | None = None,
    ) -> None:
        self._key = f"{key}:{spec.asset}"
        self._spec = spec
        self._regime = regime
        self._market = market
        self.anchor_minute = anchor_minute
        self._start_log = math.log(spec.start_usd if start_usd is None else start_usd)
        self._mean_reverting = spec.pegged or regime.mean_reverting
        self._forward = [self._start_log]  # levels at days 0, 1, 2, ...
        self._backward = [self._start_log]  # levels at days 0, -1, -2, ...
        self._minutes: OrderedDict[int, list[float]] = OrderedDict()

    # -- daily levels -------------------------------------------------------------------------

    def _shock(self, day: int) -> float:
        """The day's log move without drift: market factor plus the asset's own noise."""
        own = random.Random(f"{self._key}:day:{day}").gauss(0.0, 1.0)
        market = self._regime.market_vol_day * self._market.daily(day)
        return self._spec.beta * market + self._spec.idio_vol_day * own

    def _drift(self, day: int) -> float:
        if self._mean_reverting:
            return 0.0
        drift = self._spec.beta * self._regime.market_drift_day + self._spec.own_drift_day
        if day == 0:
            drift += self._spec.beta * self._regime.crash_log
        return drift

    def level(self, day: int) -> float:
        """The log USD value at the first minute of ``day`` (days counted from the anchor)."""
        if self._mean_reverting:
            # Independent levels around the start: the price wanders but never trends.
            return self._start_log if day == 0 else self._start_log + self._shock(day)
        if day >= 0:
            while len(self._forward) <= day:
                k = len(self._forward) - 1
                self._forward.append(self._forward[k] + self._drift(k) + self._shock(k))
            return self._forward[day]
        while len(self._backward) <= -day:
            k = -(len(self._backward) - 1)  # the level we have; step back over day k - 1
            self._backward.append(self._backward[-k] - self._drift(k - 1) - self._shock(k - 1))
        return self._backward[-day]

    # -- minutes within a day -----------------------------------------------------------------

    def _minute_drifts(self, day: int) -> tuple[float, float, int]:
        """Per-minute drift for the day, and a crash drift for its first ``n`` minutes."""
        drift = self._drift(day)
        if day == 0 and self._regime.crash_log and not self._mean_reverting:
            # The crash happens in the first minutes of day 0; the rest of the day is calm.
            crash = self._spec.beta * self._regime.crash_log
            minutes = self._regime.crash_minutes
            return (drift - crash) / DAY_MINUTES, crash / minutes, minutes
        return drift / DAY_MINUTES, 0.0, 0

    def minutes(self, day: int) -> list[float]:
        """Log USD values at each whole minute of ``day``, 1441 points (both ends included)."""
        cached = self._minutes.get(day)
        if cached is not None:
            return cached
        scale = 1.0 / math.sqrt(DAY_MINUTES)
        market_vol = self._spec.beta * self._regime.market_vol_day * scale
        own_vol = self._spec.idio_vol_day * scale
        drift, crash_drift, crash_minutes = self._minute_drifts(day)
        gauss = random.Random(f"{self._key}:min:{day}").gauss
        walk = [0.0]
        append = walk.append
        total = 0.0
        for i, shock in enumerate(self._market.minutes(day)):
            total += drift + market_vol * shock + own_vol * gauss(0.0, 1.0)
            if i < crash_minutes:
                total += crash_drift
            append(total)
        start = self.level(day)
        # Brownian bridge: bend the walk so that it ends exactly at the next day's level.
        step = (walk[-1] - (self.level(day + 1) - start)) / DAY_MINUTES
        cached = [start + w - step * i for i, w in enumerate(walk)]
        self._minutes[day] = cached
        if len(self._minutes) > _MINUTE_CACHE_DAYS:
            self._minutes.popitem(last=False)
        return cached

    def log_vertices(self, first_minute: int, last_minute: int) -> list[float]:
        """Log USD values at every whole minute from ``first_minute`` to ``last_minute``."""
        values: list[float] = []
        minute = first_minute
        while minute <= last_minute:
            day, index = divmod(minute - self.anchor_minute, DAY_MINUTES)
            take = min(DAY_MINUTES - index, last_minute - minute + 1)
            values.extend(self.minutes(day)[index : index + take])
            minute += take
        return values

    def usd_at(self, time_ms: int) -> float:
        """The USD value at any millisecond: linear between the surrounding whole minutes."""
        minute, into_ms = divmod(time_ms, MINUTE_MS)
        day, index = divmod(minute - self.anchor_minute, DAY_MINUTES)
        values = self.minutes(day)
        low = math.exp(values[index])
        if into_ms == 0:
            return low
        high = math.exp(values[index + 1])
        return low + (high - low) * into_ms / MINUTE_MS
