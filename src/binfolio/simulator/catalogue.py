"""The simulated market: which assets exist, how they move, and the symbols that quote them.

Every asset has a USD value path (USDT is the numeraire, fixed at 1); a symbol's price is
``usd(base) / usd(quote)`` rounded to its tick, so cross pairs (ETHBTC) always agree with the
USDT pairs. The universe deliberately includes the awkward cases the valuation rule must handle:
ARDR trades only against BTC, ZEN only against ETH, TRY only through the inverse pair USDTTRY,
and the stablecoins USDC and FDUSD.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class AssetSpec:
    """How one asset's USD value moves.

    Attributes:
        asset: ticker.
        start_usd: the value at the start of the simulation.
        beta: exposure to the common crypto market factor (0 for stablecoins and fiat).
        idio_vol_day: own daily log volatility on top of the market factor.
        pegged: value wanders around its start instead of following the scenario.
        own_drift_day: daily log drift independent of the scenario (fiat inflation).
    """

    asset: str
    start_usd: float
    beta: float
    idio_vol_day: float
    pegged: bool = False
    own_drift_day: float = 0.0


@dataclass(frozen=True)
class SymbolSpec:
    """A spot symbol and its exchange filters (Binance's "Filters" page of the spot docs)."""

    symbol: str
    base: str
    quote: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    min_notional: Decimal
    quote_order_qty_market_allowed: bool = True
    volume_per_minute: Decimal = Decimal(10)

    @property
    def max_qty(self) -> Decimal:
        """LOT_SIZE maximum quantity."""
        return Decimal(9000000) * self.step_size if self.step_size < 1 else Decimal(90000000)


@dataclass(frozen=True)
class FuturesSpec:
    """A USD-M perpetual; its mark price follows the spot symbol of the same name."""

    symbol: str
    base: str
    price_precision: int
    quantity_precision: int
    tick_size: Decimal
    step_size: Decimal


ASSETS: tuple[AssetSpec, ...] = (
    AssetSpec("BTC", 65000.0, 1.0, 0.004),
    AssetSpec("ETH", 3200.0, 1.2, 0.010),
    AssetSpec("BNB", 580.0, 0.9, 0.010),
    AssetSpec("SOL", 150.0, 1.5, 0.020),
    AssetSpec("XRP", 0.52, 1.3, 0.015),
    AssetSpec("DOGE", 0.12, 1.6, 0.025),
    AssetSpec("ADA", 0.45, 1.4, 0.015),
    AssetSpec("TRX", 0.12, 0.7, 0.010),
    AssetSpec("LINK", 14.0, 1.3, 0.015),
    AssetSpec("LTC", 70.0, 1.1, 0.012),
    AssetSpec("ARDR", 0.08, 1.2, 0.020),
    AssetSpec("ZEN", 9.5, 1.3, 0.020),
    AssetSpec("USDC", 1.0, 0.0, 0.0002, pegged=True),
    AssetSpec("FDUSD", 1.0, 0.0, 0.0003, pegged=True),
    # The lira loses value against the dollar whatever the crypto market does.
    AssetSpec("TRY", 1 / 34.2, 0.0, 0.003, own_drift_day=-0.0007),
)
ASSET_BY_NAME = {spec.asset: spec for spec in ASSETS}
NUMERAIRE = "USDT"


def _sym(
    base: str,
    quote: str,
    tick: str,
    step: str,
    min_notional: str = "5",
    *,
    qoq: bool = True,
    volume: str = "10",
) -> SymbolSpec:
    return SymbolSpec(
        symbol=base + quote,
        base=base,
        quote=quote,
        tick_size=Decimal(tick),
        step_size=Decimal(step),
        min_qty=Decimal(step),
        min_notional=Decimal(min_notional),
        quote_order_qty_market_allowed=qoq,
        volume_per_minute=Decimal(volume),
    )


SYMBOLS: tuple[SymbolSpec, ...] = (
    _sym("BTC", "USDT", "0.01", "0.00001", volume="15"),
    _sym("ETH", "USDT", "0.01", "0.0001", volume="200"),
    _sym("BNB", "USDT", "0.01", "0.001", volume="300"),
    _sym("SOL", "USDT", "0.01", "0.001", volume="900"),
    _sym("XRP", "USDT", "0.0001", "0.1", volume="200000"),
    _sym("DOGE", "USDT", "0.00001", "1", volume="900000"),
    _sym("ADA", "USDT", "0.0001", "0.1", volume="200000"),
    _sym("TRX", "USDT", "0.0001", "0.1", volume="500000"),
    _sym("LINK", "USDT", "0.01", "0.01", volume="3000"),
    _sym("LTC", "USDT", "0.01", "0.001", volume="700"),
    _sym("USDC", "USDT", "0.0001", "1", volume="400000"),
    _sym("FDUSD", "USDT", "0.0001", "1", volume="300000"),
    _sym("ETH", "BTC", "0.00001", "0.0001", "0.0001", volume="20"),
    _sym("BNB", "BTC", "0.000001", "0.001", "0.0001", volume="30"),
    _sym("SOL", "BTC", "0.0000001", "0.01", "0.0001", volume="80"),
    _sym("XRP", "BTC", "0.00000001", "1", "0.0001", volume="20000"),
    _sym("BNB", "ETH", "0.00001", "0.001", "0.001", volume="10"),
    # Priced only against BTC; market orders by quote quantity are not allowed here.
    _sym("ARDR", "BTC", "0.00000001", "1", "0.0001", qoq=False, volume="5000"),
    _sym("ZEN", "ETH", "0.000001", "0.01", "0.001", volume="50"),
    _sym("USDT", "TRY", "0.01", "0.1", "10", volume="50000"),
    _sym("BTC", "USDC", "0.01", "0.00001", volume="5"),
    _sym("BTC", "FDUSD", "0.01", "0.00001", volume="8"),
)
SYMBOL_BY_NAME = {spec.symbol: spec for spec in SYMBOLS}

FUTURES: tuple[FuturesSpec, ...] = (
    FuturesSpec("BTCUSDT", "BTC", 2, 3, Decimal("0.10"), Decimal("0.001")),
    FuturesSpec("ETHUSDT", "ETH", 2, 3, Decimal("0.01"), Decimal("0.001")),
    FuturesSpec("BNBUSDT", "BNB", 3, 2, Decimal("0.010"), Decimal("0.01")),
    FuturesSpec("SOLUSDT", "SOL", 4, 0, Decimal("0.0100"), Decimal(1)),
    FuturesSpec("XRPUSDT", "XRP", 4, 1, Decimal("0.0001"), Decimal("0.1")),
    FuturesSpec("DOGEUSDT", "DOGE", 6, 0, Decimal("0.000010"), Decimal(1)),
    FuturesSpec("ADAUSDT", "ADA", 5, 0, Decimal("0.00010"), Decimal(1)),
    FuturesSpec("LINKUSDT", "LINK", 3, 2, Decimal("0.001"), Decimal("0.01")),
)
FUTURES_BY_NAME = {spec.symbol: spec for spec in FUTURES}
FUTURES_MARGIN_ASSETS = ("USDT", "USDC", "BTC", "BNB", "ETH", "FDUSD")
