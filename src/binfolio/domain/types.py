"""Small named types so that units and identifiers cannot be mixed up by accident."""

from __future__ import annotations

from typing import NewType

Asset = NewType("Asset", str)
"""A coin ticker such as ``BTC``."""

Symbol = NewType("Symbol", str)
"""A Binance market symbol such as ``BTCUSDT``."""
