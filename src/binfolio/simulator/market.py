"""Prices of every symbol at any instant, from the seeded paths plus admin overrides.

The market is a list of segments. A segment starts when the simulator starts or when the
scenario is switched (the new paths continue from the prices of that instant). Within a segment
``POST /_sim/prices`` records a multiplicative factor from that instant on, so the path continues
from the price that was set and klines follow.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from binfolio.simulator.catalogue import (
    ASSET_BY_NAME,
    ASSETS,
    NUMERAIRE,
    SYMBOL_BY_NAME,
    SymbolSpec,
)
from binfolio.simulator.paths import MINUTE_MS, REGIMES, AssetPath, MarketNoise


class UnknownSymbolError(KeyError):
    """The symbol is not traded in the simulator."""


@dataclass
class _Segment:
    start_ms: int
    paths: dict[str, AssetPath]
    # asset -> sorted change times and the factor in force from each
    change_ms: dict[str, list[int]] = field(default_factory=dict)
    factors: dict[str, list[float]] = field(default_factory=dict)

    def factor(self, asset: str, time_ms: int) -> float:
        times = self.change_ms.get(asset)
        if not times:
            return 1.0
        index = bisect.bisect_right(times, time_ms) - 1
        return 1.0 if index < 0 else self.factors[asset][index]

    def changes_within(self, asset: str, first_ms: int, last_ms: int) -> list[int]:
        times = self.change_ms.get(asset, [])
        return [t for t in times if first_ms < t <= last_ms]


def quantize(value: float, tick: Decimal) -> Decimal:
    """Round a simulated float value to a whole number of ticks (at least one tick)."""
    ticks = max(1, round(value / float(tick)))
    return (Decimal(ticks) * tick).quantize(tick, rounding=ROUND_HALF_EVEN)


class Market:
    """Deterministic prices for a seed and scenario, anchored at ``start_ms``."""

    def __init__(self, seed: int, scenario: str, start_ms: int) -> None:
        self.seed = seed
        self.scenario = scenario
        self._segments: list[_Segment] = [self._segment(seed, scenario, start_ms, None)]

    def _segment(
        self, seed: int, scenario: str, start_ms: int, start_usd: dict[str, float] | None
    ) -> _Segment:
        key = f"{seed}:{scenario}"
        noise = MarketNoise(key)
        anchor_minute = start_ms // MINUTE_MS
        paths = {
            spec.asset: AssetPath(
                key,
                spec,
                REGIMES[scenario],
                noise,
                anchor_minute,
                None if start_usd is None else start_usd[spec.asset],
            )
            for spec in ASSETS
        }
        return _Segment(start_ms=start_ms if start_usd is not None else -(2**62), paths=paths)

    def _segment_at(self, time_ms: int) -> _Segment:
        for segment in reversed(self._segments):
            if segment.start_ms <= time_ms:
                return segment
        return self._segments[0]

    # -- values ---------------------------------------------------------------------------------

    def usd(self, asset: str, time_ms: int) -> float:
        """The USD (USDT) value of one unit of ``asset`` at ``time_ms``; 0 when unknown."""
        if asset == NUMERAIRE:
            return 1.0
        segment = self._segment_at(time_ms)
        path = segment.paths.get(asset)
        if path is None:
            return 0.0
        return path.usd_at(time_ms) * segment.factor(asset, time_ms)

    def usd_decimal(self, asset: str, time_ms: int) -> Decimal:
        """The USDT value of one unit as a Decimal: the ``ASSETUSDT`` price when listed."""
        if asset == NUMERAIRE:
            return Decimal(1)
        symbol = asset + NUMERAIRE
        if symbol in SYMBOL_BY_NAME:
            return self.price(symbol, time_ms)
        return (
            quantize(self.usd(asset, time_ms), Decimal("0.00000001"))
            if asset in ASSET_BY_NAME
            else Decimal(0)
        )

    @staticmethod
    def spec(symbol: str) -> SymbolSpec:
        """The symbol's specification.

        Raises:
            UnknownSymbolError: when the simulator does not trade ``symbol``.
        """
        try:
            return SYMBOL_BY_NAME[symbol]
        except KeyError:
            raise UnknownSymbolError(symbol) from None

    def price(self, symbol: str, time_ms: int) -> Decimal:
        """The last price of ``symbol`` at ``time_ms``, rounded to its tick.

        Raises:
            UnknownSymbolError: when the simulator does not trade ``symbol``.
        """
        spec = self.spec(symbol)
        return quantize(
            self.usd(spec.base, time_ms) / self.usd(spec.quote, time_ms), spec.tick_size
        )

    def prices(self, time_ms: int) -> dict[str, Decimal]:
        """Every symbol's price at ``time_ms``."""
        return {symbol: self.price(symbol, time_ms) for symbol in SYMBOL_BY_NAME}

    def extremes(self, symbol: str, first_ms: int, last_ms: int) -> tuple[Decimal, Decimal]:
        """The lowest and highest price of ``symbol`` between two instants (both included).

        Raises:
            UnknownSymbolError: when the simulator does not trade ``symbol``.
        """
        spec = self.spec(symbol)
        samples = [self.price(symbol, first_ms), self.price(symbol, last_ms)]
        first_minute = -(-first_ms // MINUTE_MS)
        last_minute = last_ms // MINUTE_MS
        segment = self._segment_at(first_ms)
        changes = segment.changes_within(spec.base, first_ms, last_ms) + segment.changes_within(
            spec.quote, first_ms, last_ms
        )
        simple = segment is self._segment_at(last_ms) and not changes
        if first_minute <= last_minute and simple:
            # Fast path: vertices straight from the paths, one constant factor.
            ratio = segment.factor(spec.base, first_ms)
            base = segment.paths.get(spec.base)
            quote = segment.paths.get(spec.quote)
            logs = base.log_vertices(first_minute, last_minute) if base else None
            if quote is not None:
                ratio /= segment.factor(spec.quote, first_ms)
                quote_logs = quote.log_vertices(first_minute, last_minute)
                logs = (
                    [b - q for b, q in zip(logs, quote_logs, strict=True)]
                    if logs
                    else [-q for q in quote_logs]
                )
            if logs:
                samples.append(quantize(math.exp(min(logs)) * ratio, spec.tick_size))
                samples.append(quantize(math.exp(max(logs)) * ratio, spec.tick_size))
        elif first_minute <= last_minute:
            # A price was set or the scenario switched inside the range: sample every vertex.
            for minute in range(first_minute, last_minute + 1):
                samples.append(self.price(symbol, minute * MINUTE_MS))
            for change in changes + [
                s.start_ms for s in self._segments if first_ms < s.start_ms <= last_ms
            ]:
                samples.extend((self.price(symbol, change - 1), self.price(symbol, change)))
        return min(samples), max(samples)

    # -- admin ----------------------------------------------------------------------------------

    def set_price(self, symbol: str, price: Decimal, time_ms: int) -> Decimal:
        """Make ``symbol`` trade at ``price`` from ``time_ms`` on; the path continues from there.

        The non-USDT side moves: setting ETHBTC moves ETH (and so ETHUSDT), setting USDTTRY
        moves TRY.

        Raises:
            UnknownSymbolError: when the simulator does not trade ``symbol``.
            ValueError: for a price that is not positive.
        """
        spec = self.spec(symbol)
        if price <= 0:
            raise ValueError(f"{symbol}: price {price} must be positive")
        segment = self._segment_at(time_ms)
        if spec.base != NUMERAIRE:
            asset, target_usd = spec.base, float(price) * self.usd(spec.quote, time_ms)
        else:
            asset, target_usd = spec.quote, 1.0 / float(price)
        raw_usd = segment.paths[asset].usd_at(time_ms)
        times = segment.change_ms.setdefault(asset, [])
        factors = segment.factors.setdefault(asset, [])
        index = bisect.bisect_left(times, time_ms)
        if index < len(times) and times[index] == time_ms:
            factors[index] = target_usd / raw_usd
        else:
            times.insert(index, time_ms)
            factors.insert(index, target_usd / raw_usd)
        return self.price(symbol, time_ms)

    def set_scenario(self, scenario: str, seed: int, time_ms: int) -> None:
        """Switch to new paths from ``time_ms``, continuing from the prices of that instant.

        Raises:
            ValueError: for an unknown scenario.
        """
        if scenario not in REGIMES:
            raise ValueError(
                f"scenario {scenario!r} is unknown; choose one of {', '.join(REGIMES)}"
            )
        start_usd = {asset: self.usd(asset, time_ms) for asset in ASSET_BY_NAME}
        self._segments = [s for s in self._segments if s.start_ms < time_ms]
        self._segments.append(self._segment(seed, scenario, time_ms, start_usd))
        self.seed, self.scenario = seed, scenario
