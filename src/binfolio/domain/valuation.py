"""Valuation in USDT from the one all-prices response of a run.

For each asset, the first rule that applies wins:

1. USDT itself is 1 (so is BNFCR, Binance's EU futures credit, pegged 1:1 with no market);
2. the direct pair ``ASSETUSDT``;
3. ``ASSETBTC × BTCUSDT``, else ``ASSETETH × ETHUSDT``;
4. the inverse pair ``USDTASSET`` (fiat such as TRY, BRL): ``1 / price``;
5. otherwise unpriced: value 0 *and* flagged. Never a per-asset API call: the all-prices
   response already holds every symbol Binance lists, so asking again costs weight for nothing.

Prices and values are rounded to 18 decimals, the scale of the SQL ``Money`` column, so that a
stored snapshot reads back exactly as it was computed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from enum import StrEnum

from binfolio.domain.money import ONE, ZERO

QUANTUM = Decimal("1e-18")
USDT = "USDT"
# Assets worth exactly one USDT without a market of their own.
PEGGED_TO_USDT = frozenset({USDT, "BNFCR"})
# Real tokens whose ticker happens to start with LD (not Flexible Earn receipts).
REAL_LD_ASSETS = frozenset({"LDO"})


class PriceSource(StrEnum):
    """Where an asset's USDT price came from."""

    USDT = "usdt"
    VIA_BTC = "via_btc"
    VIA_ETH = "via_eth"
    INVERSE = "inverse"
    UNPRICED = "unpriced"


@dataclass(frozen=True)
class AssetPrice:
    """The USDT price of one asset, or ``None`` with source ``unpriced``."""

    asset: str
    price_usdt: Decimal | None
    source: PriceSource
    # Inverse pairs only: the USDTASSET price. Values divide by it, so that 3400 TRY at 34 is
    # exactly 100 USDT rather than 3400 × 0.0294117647058823530 = 100.0000000000000002.
    inverse_of: Decimal | None = None


def exact(value: Decimal) -> Decimal:
    """Round to the 18 decimals every stored price and value has."""
    with localcontext() as context:
        context.prec = 60  # enough digits that only the quantize below rounds
        return value.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def value_usdt(amount: Decimal, price: AssetPrice) -> Decimal:
    """``amount × price`` in USDT; zero for an unpriced asset (which is flagged elsewhere)."""
    if price.price_usdt is None:
        return ZERO
    with localcontext() as context:
        context.prec = 60
        if price.inverse_of is not None:
            return exact(amount / price.inverse_of)
        return exact(amount * price.price_usdt)


class PriceBook:
    """USDT prices resolved from one ``symbol → price`` map (the run's all-prices response)."""

    def __init__(self, symbol_prices: Mapping[str, Decimal]) -> None:
        # A zero price is a halted or delisted market, not a price.
        self._symbols = {symbol: price for symbol, price in symbol_prices.items() if price > 0}
        self._resolved: dict[str, AssetPrice] = {}

    def __len__(self) -> int:
        return len(self._symbols)

    @property
    def symbols(self) -> frozenset[str]:
        """The symbols with a price (a zero price is left out), read-only."""
        return frozenset(self._symbols)

    def has_market(self, asset: str) -> bool:
        """True when the asset trades against USDT, BTC or ETH."""
        return any(f"{asset}{quote}" in self._symbols for quote in (USDT, "BTC", "ETH"))

    def price(self, asset: str) -> AssetPrice:
        """The USDT price of ``asset`` by the valuation rule (module docstring)."""
        if asset not in self._resolved:
            self._resolved[asset] = self._resolve(asset)
        return self._resolved[asset]

    def _resolve(self, asset: str) -> AssetPrice:
        if asset in PEGGED_TO_USDT:
            return AssetPrice(asset, ONE, PriceSource.USDT)
        direct = self._symbols.get(f"{asset}{USDT}")
        if direct is not None:
            return AssetPrice(asset, direct, PriceSource.USDT)
        for quote, source in (("BTC", PriceSource.VIA_BTC), ("ETH", PriceSource.VIA_ETH)):
            cross, quote_usdt = (
                self._symbols.get(f"{asset}{quote}"),
                self._symbols.get(f"{quote}USDT"),
            )
            if cross is not None and quote_usdt is not None:
                return AssetPrice(asset, exact(cross * quote_usdt), source)
        inverse = self._symbols.get(f"{USDT}{asset}")
        if inverse is not None:
            with localcontext() as context:
                context.prec = 60
                return AssetPrice(asset, exact(ONE / inverse), PriceSource.INVERSE, inverse)
        return AssetPrice(asset, None, PriceSource.UNPRICED)


def is_earn_receipt(asset: str, book: PriceBook) -> bool:
    """True for a Flexible Earn receipt such as ``LDUSDT`` (but not a real token such as LDO).

    A receipt has no market of its own; a real ``LD…`` token does.
    """
    return (
        asset.startswith("LD")
        and len(asset) > 2
        and asset not in REAL_LD_ASSETS
        and not book.has_market(asset)
    )


def receipt_underlying(asset: str) -> str:
    """``LDBTC`` → ``BTC``."""
    return asset[2:]
