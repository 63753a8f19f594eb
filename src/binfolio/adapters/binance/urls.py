"""Binance's REST base URLs, written down once (docs/binance.md, "Base URLs").

Spot and wallet endpoints (``/api``, ``/sapi``) share one host; USD-M futures (``/fapi``) have
their own. The spot testnet serves ``/api`` only (no ``/sapi`` wallets, no futures); demo mode
has a spot and a futures host. The offline simulator serves all three paths on one URL.
"""

from __future__ import annotations

LIVE_SPOT_URL = "https://api.binance.com"
LIVE_FUTURES_URL = "https://fapi.binance.com"
TESTNET_SPOT_URL = "https://testnet.binance.vision"
DEMO_SPOT_URL = "https://demo-api.binance.com"
DEMO_FUTURES_URL = "https://demo-fapi.binance.com"
