"""A snapshot of one account: wallet holdings valued, totalled, judged and reconciled (pure).

Status: ``complete`` when every enabled wallet was read, ``partial`` when some failed (their
reasons are kept and their totals are ``None``), ``failed`` when none could be read. An unpriced
asset does not change the status; it is listed in ``unpriced`` and valued at zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from binfolio.domain.money import ZERO
from binfolio.domain.valuation import (
    AssetPrice,
    PriceBook,
    PriceSource,
    exact,
    is_earn_receipt,
    receipt_underlying,
    value_usdt,
)

WALLET_GROUPS = ("spot", "funding", "earn", "futures")


class Wallet(StrEnum):
    """Where a holding sits; ``earn_*`` both count towards the ``earn`` total."""

    SPOT = "spot"
    FUNDING = "funding"
    EARN_FLEXIBLE = "earn_flexible"
    EARN_LOCKED = "earn_locked"
    FUTURES = "futures"

    @property
    def group(self) -> str:
        """The wallet total this holding counts towards: spot, funding, earn or futures."""
        return "earn" if self.value.startswith("earn") else self.value


class SnapshotStatus(StrEnum):
    COMPLETE = "complete"
    PARTIAL = "partial"
    FAILED = "failed"


@dataclass(frozen=True)
class Holding:
    """An amount of one asset in one wallet. Futures: amount = margin balance."""

    wallet: Wallet
    asset: str
    amount: Decimal
    wallet_balance: Decimal | None = None
    unrealized_pnl: Decimal | None = None


@dataclass(frozen=True)
class ValuedHolding:
    """A holding with its USDT price, where the price came from, and its value."""

    holding: Holding
    price: AssetPrice
    value_usdt: Decimal


@dataclass(frozen=True)
class WalletRead:
    """The outcome of reading one wallet group: its holdings, or why it failed."""

    holdings: tuple[Holding, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class Reconciliation:
    """Our total against Binance's own total for the same wallets."""

    binance_total_usdt: Decimal
    our_total_usdt: Decimal
    drift_pct: Decimal | None  # None when Binance says 0 and we do not
    flagged: bool
    note: str = ""


@dataclass(frozen=True)
class Snapshot:
    """The valued state of one account at one run."""

    status: SnapshotStatus
    nav_usdt: Decimal | None
    wallet_totals: Mapping[str, Decimal | None]
    assets: tuple[ValuedHolding, ...] = ()
    unpriced: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    reconciliation: Reconciliation | None = None
    priced_assets: Mapping[str, AssetPrice] = field(default_factory=dict)


def merge(holdings: Iterable[Holding]) -> list[Holding]:
    """One holding per (wallet, asset), summing parts; zero holdings dropped."""
    merged: dict[tuple[Wallet, str], Holding] = {}
    for part in holdings:
        key = (part.wallet, part.asset)
        old = merged.get(key)
        merged[key] = (
            part
            if old is None
            else Holding(
                part.wallet,
                part.asset,
                old.amount + part.amount,
                _add(old.wallet_balance, part.wallet_balance),
                _add(old.unrealized_pnl, part.unrealized_pnl),
            )
        )
    return [h for h in merged.values() if h.amount != 0 or h.wallet_balance or h.unrealized_pnl]


def _add(a: Decimal | None, b: Decimal | None) -> Decimal | None:
    return None if a is None and b is None else (a or ZERO) + (b or ZERO)


def value_holdings(
    holdings: Iterable[Holding], book: PriceBook, *, earn_read: bool
) -> list[ValuedHolding]:
    """Value each holding; Earn receipts (``LD*``) are skipped when Earn itself was read.

    When Earn was not read, a receipt is valued as its underlying asset instead, since it then
    is the only trace of that position.
    """
    valued: list[ValuedHolding] = []
    for holding in merge(holdings):
        asset = holding.asset
        if holding.wallet in (Wallet.SPOT, Wallet.FUNDING) and is_earn_receipt(asset, book):
            if earn_read:
                continue
            price = book.price(receipt_underlying(asset))
        else:
            price = book.price(asset)
        valued.append(ValuedHolding(holding, price, value_usdt(holding.amount, price)))
    return valued


def build_snapshot(
    reads: Mapping[str, WalletRead],
    book: PriceBook,
    *,
    binance_wallets_usdt: Mapping[str, Decimal] | None = None,
    tolerance_pct: Decimal = Decimal(1),
) -> Snapshot:
    """Value the wallet groups that were read (``reads`` holds only the enabled ones).

    Args:
        reads: wallet group (spot, funding, earn, futures) → what reading it gave.
        book: the run's prices.
        binance_wallets_usdt: Binance's own per-wallet USDT totals, for reconciliation.
        tolerance_pct: drift (in percent) above which the snapshot is flagged.
    """
    ok_groups = [group for group, read in reads.items() if read.ok]
    reasons = tuple(f"{g}: {read.error}" for g, read in reads.items() if read.error is not None)
    if not ok_groups:
        return failed_snapshot(reasons or ("no wallet is enabled for this account",))
    holdings = [h for g in ok_groups for h in reads[g].holdings]
    valued = value_holdings(holdings, book, earn_read="earn" in ok_groups)
    totals: dict[str, Decimal | None] = dict.fromkeys(WALLET_GROUPS)
    for group in ok_groups:
        totals[group] = sum((v.value_usdt for v in valued if v.holding.wallet.group == group), ZERO)
    nav = sum((v.value_usdt for v in valued), ZERO)
    unpriced = sorted({v.holding.asset for v in valued if v.price.source is PriceSource.UNPRICED})
    reconciliation = None
    if binance_wallets_usdt is not None:
        excluded = set(WALLET_GROUPS) - set(ok_groups)
        reconciliation = reconcile(nav, binance_wallets_usdt, excluded, tolerance_pct)
    return Snapshot(
        status=SnapshotStatus.PARTIAL if reasons else SnapshotStatus.COMPLETE,
        nav_usdt=nav,
        wallet_totals=totals,
        assets=tuple(valued),
        unpriced=tuple(unpriced),
        reasons=reasons,
        reconciliation=reconciliation,
        priced_assets={v.price.asset: v.price for v in valued},
    )


def failed_snapshot(reasons: Iterable[str]) -> Snapshot:
    """A snapshot of an account that could not be read at all: NAV unknown, not zero."""
    return Snapshot(
        status=SnapshotStatus.FAILED,
        nav_usdt=None,
        wallet_totals=dict.fromkeys(WALLET_GROUPS),
        reasons=tuple(reasons),
    )


def _binance_group(wallet_name: str) -> str | None:
    """Binance's wallet names (``/sapi/v1/asset/wallet/balance``) → our wallet groups."""
    name = wallet_name.strip().lower()
    if name in ("spot", "funding", "earn"):
        return name
    if "futures" in name and "coin" not in name:
        return "futures"  # "USDⓈ-M Futures", however the Ⓢ is spelled
    return None


def reconcile(
    our_total_usdt: Decimal,
    binance_wallets_usdt: Mapping[str, Decimal],
    excluded_groups: set[str],
    tolerance_pct: Decimal,
) -> Reconciliation:
    """Compare our NAV with Binance's total over the same wallets.

    Wallets we did not read (switched off, or failed in this run) are left out of Binance's
    total; wallets binfolio does not cover at all (margin, COIN-M, bots…) stay in, so holdings
    there show up as drift and are named in the note.
    """
    binance_total = ZERO
    uncovered: list[str] = []
    for name, amount in binance_wallets_usdt.items():
        group = _binance_group(name)
        if group in excluded_groups:
            continue
        binance_total += amount
        if group is None and amount != 0:
            uncovered.append(f"{name} {amount}")
    if binance_total == 0:
        drift: Decimal | None = ZERO if our_total_usdt == 0 else None
    else:
        drift = exact((our_total_usdt - binance_total) / binance_total * 100)
    flagged = drift is None or abs(drift) > tolerance_pct
    note = f"Binance also holds value in wallets binfolio does not read: {', '.join(uncovered)}"
    return Reconciliation(
        binance_total_usdt=binance_total,
        our_total_usdt=our_total_usdt,
        drift_pct=drift,
        flagged=flagged,
        note=note if uncovered else "",
    )
