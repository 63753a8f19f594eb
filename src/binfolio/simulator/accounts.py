"""Simulated Binance accounts: keys with permissions and every wallet's balances."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from binfolio.domain.money import ZERO, to_decimal
from binfolio.simulator import errors

if TYPE_CHECKING:
    from binfolio.simulator.ledger import Deposit, Withdrawal
    from binfolio.simulator.orders import Order

# Shape of GET /sapi/v1/account/apiRestrictions (docs/binance.md). A new key can read, trade spot
# and use futures, but cannot withdraw: tests that need a read-only key say so.
DEFAULT_PERMISSIONS: dict[str, bool] = {
    "ipRestrict": False,
    "enableReading": True,
    "enableWithdrawals": False,
    "enableInternalTransfer": False,
    "enableMargin": False,
    "enableFutures": True,
    "permitsUniversalTransfer": False,
    "enableVanillaOptions": False,
    "enableFixApiTrade": False,
    "enableFixReadOnly": False,
    "enableSpotAndMarginTrading": True,
    "enablePortfolioMarginTrading": False,
}
WALLETS = ("spot", "funding", "earn_flexible", "earn_locked", "futures")
_KEY_ALPHABET = string.ascii_letters + string.digits


def new_key() -> str:
    """A 64-character alphanumeric key or secret, like Binance's HMAC keys."""
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(64))


@dataclass
class SpotBalance:
    """A spot asset: ``free`` to use and ``locked`` in open orders."""

    free: Decimal = ZERO
    locked: Decimal = ZERO


@dataclass
class FuturesAsset:
    """A USD-M futures wallet asset; ``update_ms`` > 0 once funded (ccxt skips 0)."""

    wallet: Decimal
    update_ms: int


@dataclass
class Position:
    """A one-way USD-M position; negative ``amount`` is short."""

    symbol: str
    amount: Decimal
    entry_price: Decimal
    leverage: int
    update_ms: int


@dataclass
class LockedPosition:
    """A Simple Earn locked subscription."""

    position_id: int
    asset: str
    amount: Decimal
    duration_days: int
    purchase_ms: int
    apy: Decimal


@dataclass
class Account:
    """One account, its key, and all its wallets and records."""

    name: str
    uid: int
    api_key: str
    api_secret: str
    created_ms: int
    permissions: dict[str, bool] = field(default_factory=lambda: dict(DEFAULT_PERMISSIONS))
    spot: dict[str, SpotBalance] = field(default_factory=dict)
    funding: dict[str, Decimal] = field(default_factory=dict)
    earn_flexible: dict[str, Decimal] = field(default_factory=dict)
    earn_locked: list[LockedPosition] = field(default_factory=list)
    futures: dict[str, FuturesAsset] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    multi_assets_margin: bool = False
    deposits: list[Deposit] = field(default_factory=list)
    withdrawals: list[Withdrawal] = field(default_factory=list)
    income: list[dict[str, object]] = field(default_factory=list)
    orders: dict[int, Order] = field(default_factory=dict)
    open_orders: dict[int, Order] = field(default_factory=dict)
    update_ms: int = 0

    # -- spot -----------------------------------------------------------------------------------

    def balance(self, asset: str) -> SpotBalance:
        """The spot balance row of ``asset`` (created empty on first use)."""
        row = self.spot.get(asset)
        if row is None:
            row = self.spot[asset] = SpotBalance()
        return row

    def credit(self, asset: str, amount: Decimal) -> None:
        """Add to the free spot balance."""
        self.balance(asset).free += amount

    def debit(self, asset: str, amount: Decimal) -> None:
        """Take from the free spot balance.

        Raises:
            BinanceErrorReply: -2010 when the free balance is too small.
        """
        row = self.balance(asset)
        if row.free < amount:
            raise errors.insufficient_balance()
        row.free -= amount

    def lock(self, asset: str, amount: Decimal) -> None:
        """Move free balance into ``locked`` for an open order.

        Raises:
            BinanceErrorReply: -2010 when the free balance is too small.
        """
        self.debit(asset, amount)
        self.balance(asset).locked += amount

    def unlock(self, asset: str, amount: Decimal) -> None:
        """Release locked balance back to free."""
        row = self.balance(asset)
        row.locked -= amount
        row.free += amount

    # -- wallets set by the admin API -----------------------------------------------------------

    def set_balances(
        self, balances: Mapping[str, Mapping[str, str | Decimal]], now_ms: int, next_id: int
    ) -> int:
        """Replace the given assets of the given wallets; returns the next free position id.

        Raises:
            ValueError: for an unknown wallet or a negative or malformed amount.
        """
        for wallet, assets in balances.items():
            if wallet not in WALLETS:
                raise ValueError(f"wallet {wallet!r} is unknown; use one of {', '.join(WALLETS)}")
            for asset, text in assets.items():
                amount = to_decimal(str(text), field=f"{wallet}.{asset}")
                if amount < 0 and not (wallet == "futures" and asset == "BNFCR"):
                    raise ValueError(f"{wallet}.{asset}: {amount} is negative")
                if wallet == "spot":
                    self.balance(asset).free = amount
                elif wallet == "funding":
                    self.funding[asset] = amount
                elif wallet == "earn_flexible":
                    self.earn_flexible[asset] = amount
                elif wallet == "futures":
                    self.futures[asset] = FuturesAsset(amount, now_ms)
                else:
                    self.earn_locked = [p for p in self.earn_locked if p.asset != asset]
                    if amount:
                        self.earn_locked.append(
                            LockedPosition(next_id, asset, amount, 30, now_ms, Decimal("0.05"))
                        )
                        next_id += 1
        self.update_ms = now_ms
        return next_id
