"""Klines cut from the same price path as the ticker: a kline's close is the price at its close
time (for the open kline: the price now), its high and low the extremes of the path inside it.

Volumes are synthetic but deterministic (a hash of seed, symbol and open time).
"""

from __future__ import annotations

import zlib
from decimal import Decimal

from binfolio.simulator import errors
from binfolio.simulator.market import Market
from binfolio.simulator.wire import d8, floor_to_step

_MINUTE = 60_000
INTERVAL_MS: dict[str, int] = {
    "1s": 1000,
    "1m": _MINUTE,
    "3m": 3 * _MINUTE,
    "5m": 5 * _MINUTE,
    "15m": 15 * _MINUTE,
    "30m": 30 * _MINUTE,
    "1h": 60 * _MINUTE,
    "2h": 120 * _MINUTE,
    "4h": 240 * _MINUTE,
    "6h": 360 * _MINUTE,
    "8h": 480 * _MINUTE,
    "12h": 720 * _MINUTE,
    "1d": 1440 * _MINUTE,
    "3d": 3 * 1440 * _MINUTE,
    "1w": 7 * 1440 * _MINUTE,
}
# The epoch was a Thursday; weekly klines open on Monday 00:00 UTC.
_WEEK_OFFSET_MS = 4 * 1440 * _MINUTE


def interval_ms(interval: str) -> int:
    """The length of ``interval`` in milliseconds.

    Raises:
        BinanceErrorReply: -1120 for an interval the simulator does not serve (``1M``, typos).
    """
    try:
        return INTERVAL_MS[interval]
    except KeyError:
        raise errors.bad_request(-1120, "Invalid interval.") from None


def open_time(time_ms: int, length_ms: int) -> int:
    """The open time of the kline of length ``length_ms`` that contains ``time_ms``."""
    offset = _WEEK_OFFSET_MS if length_ms == INTERVAL_MS["1w"] else 0
    return (time_ms - offset) // length_ms * length_ms + offset


def kline_opens(
    length_ms: int, now_ms: int, start_ms: int | None, end_ms: int | None, limit: int
) -> list[int]:
    """Open times Binance would return: open ≥ start, open ≤ end, never after now."""
    last = open_time(min(now_ms, end_ms) if end_ms is not None else now_ms, length_ms)
    if start_ms is not None:
        first = open_time(start_ms, length_ms)
        if first < start_ms:
            first += length_ms
        count = max(0, min(limit, (last - first) // length_ms + 1))
        return [first + i * length_ms for i in range(count)]
    return [last - i * length_ms for i in range(limit - 1, -1, -1)]


def kline_row(
    market: Market, symbol: str, opened_ms: int, length_ms: int, now_ms: int
) -> list[object]:
    """One kline in Binance's 12-field array form."""
    spec = market.spec(symbol)
    close_ms = opened_ms + length_ms - 1
    last_ms = min(close_ms, now_ms)
    low, high = market.extremes(symbol, opened_ms, last_ms)
    open_price = market.price(symbol, opened_ms)
    close_price = market.price(symbol, last_ms)
    noise = zlib.crc32(f"{market.seed}:{symbol}:{opened_ms}:{length_ms}".encode()) % 1000
    minutes = Decimal(max(1, (last_ms - opened_ms + 1) * 1000 // _MINUTE)) / 1000
    volume = floor_to_step(
        spec.volume_per_minute * minutes * (Decimal(500 + noise) / 1000), spec.step_size
    )
    mid = (open_price + close_price) / 2
    trades = int(minutes * 40) + noise % 40  # about 40 trades a minute
    return [
        opened_ms,
        d8(open_price),
        d8(high),
        d8(low),
        d8(close_price),
        d8(volume),
        close_ms,
        d8(volume * mid),
        trades,
        d8(floor_to_step(volume / 2, spec.step_size)),
        d8(floor_to_step(volume / 2, spec.step_size) * mid),
        "0",
    ]
