"""USD-M futures account figures, with positions marked to the simulated path.

Unrealised PnL of a USDT-margined position is ``amount × (mark − entry)`` and belongs to the
USDT asset; ``marginBalance = walletBalance + unrealizedProfit`` per asset. In single-asset mode
the ``total*`` fields cover USDT only; in multi-assets mode they are USD sums over all assets
(docs/binance.md, "Wallet quirks"; Binance's "Account Information V3" of USD-M futures).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from binfolio.domain.money import ZERO
from binfolio.simulator.accounts import Account, FuturesAsset, Position
from binfolio.simulator.catalogue import FUTURES_BY_NAME
from binfolio.simulator.market import Market, quantize

MAINT_MARGIN_RATE = Decimal("0.004")


@dataclass(frozen=True)
class MarkedPosition:
    """A position with its mark price and derived figures."""

    position: Position
    mark_price: Decimal
    notional: Decimal
    unrealized: Decimal
    initial_margin: Decimal
    maint_margin: Decimal


def mark_price(market: Market, symbol: str, now_ms: int) -> Decimal:
    """The futures mark price: the spot path at the futures tick."""
    spec = FUTURES_BY_NAME[symbol]
    return quantize(market.usd(spec.base, now_ms), spec.tick_size)


def mark(market: Market, account: Account, now_ms: int) -> list[MarkedPosition]:
    """Every open position marked at ``now_ms``."""
    marked = []
    for position in account.positions.values():
        price = mark_price(market, position.symbol, now_ms)
        notional = position.amount * price
        initial = abs(notional) / position.leverage
        marked.append(
            MarkedPosition(
                position,
                price,
                notional,
                position.amount * (price - position.entry_price),
                initial,
                abs(notional) * MAINT_MARGIN_RATE,
            )
        )
    return marked


@dataclass(frozen=True)
class AssetFigures:
    """One ``assets`` row of the futures account."""

    asset: str
    wallet: Decimal
    unrealized: Decimal
    initial_margin: Decimal
    maint_margin: Decimal
    update_ms: int

    @property
    def margin_balance(self) -> Decimal:
        """Wallet balance plus unrealised PnL."""
        return self.wallet + self.unrealized

    @property
    def available(self) -> Decimal:
        """What is free for new positions or transfer out."""
        return max(ZERO, self.margin_balance - self.initial_margin)


def asset_figures(market: Market, account: Account, now_ms: int) -> list[AssetFigures]:
    """Per-asset figures; positions' PnL and margin belong to USDT, their margin asset."""
    marked = mark(market, account, now_ms)
    unrealized = sum((m.unrealized for m in marked), ZERO)
    initial = sum((m.initial_margin for m in marked), ZERO)
    maint = sum((m.maint_margin for m in marked), ZERO)
    rows = []
    assets = dict(account.futures)
    if marked and "USDT" not in assets:
        assets["USDT"] = FuturesAsset(ZERO, now_ms)
    for asset, holding in assets.items():
        usdt = asset == "USDT"
        rows.append(
            AssetFigures(
                asset,
                holding.wallet,
                unrealized if usdt else ZERO,
                initial if usdt else ZERO,
                maint if usdt else ZERO,
                holding.update_ms,
            )
        )
    return rows


def usd_total(market: Market, rows: list[AssetFigures], now_ms: int, value: str) -> Decimal:
    """Sum of one figure (an attribute name) over assets, in USD (BNFCR counts 1:1)."""
    total = ZERO
    for row in rows:
        rate = Decimal(1) if row.asset == "BNFCR" else market.usd_decimal(row.asset, now_ms)
        total += getattr(row, value) * rate
    return total
