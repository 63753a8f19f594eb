"""Small named types so that units and identifiers cannot be mixed up by accident."""

from __future__ import annotations

from typing import NewType

Asset = NewType("Asset", str)
"""A coin ticker such as ``BTC``."""

Symbol = NewType("Symbol", str)
"""A Binance market symbol such as ``BTCUSDT``."""

TimestampMs = NewType("TimestampMs", int)
"""Milliseconds since the Unix epoch, UTC (Binance's time unit)."""

AccountName = NewType("AccountName", str)
"""The user's name for a configured Binance account."""
