"""`binfolio doctor`'s key checks: each key valid and read-only, and our clock near Binance's.

A monitoring key needs "Enable Reading" only. Withdrawals enabled is a failure: whoever gets the
key (a leaked backup, a log) could move the coins off Binance, and binfolio never needs it.
Trading enabled is a warning: harmless to the monitor, but more power than it needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from binfolio.adapters.binance.errors import BinanceAuthError, BinanceError
from binfolio.domain.clock import Clock, to_ms, utc_now
from binfolio.services.collect.options import AccountTarget
from binfolio.services.doctor.results import CheckResult
from binfolio.services.ports import AccountReader, Exchange, MarketReader

MAX_SKEW_MS = 1000  # Binance rejects a timestamp 1 s ahead of its clock (docs/binance.md, "Timing")
_NEW_KEY = (
    "create a new key on Binance (API Management) with only 'Enable Reading' ticked, "
    "and give it to binfolio"
)


async def check_clock(market: MarketReader, clock: Clock = utc_now) -> CheckResult:
    """Our clock against Binance's server time."""
    try:
        before_ms = to_ms(clock())
        server_ms = await market.server_time_ms()
        after_ms = to_ms(clock())
    except BinanceError as exc:
        return CheckResult.fail(
            "clock",
            f"cannot read Binance's time: {exc}",
            "check [binance] base_url and the network",
        )
    skew_ms = (before_ms + after_ms) // 2 - server_ms
    if abs(skew_ms) <= MAX_SKEW_MS:
        return CheckResult.ok("clock", f"within {abs(skew_ms)} ms of Binance's server time")
    direction = "ahead of" if skew_ms > 0 else "behind"
    return CheckResult.warn(
        "clock",
        f"this host's clock is {abs(skew_ms) / 1000:.1f} s {direction} Binance's; binfolio "
        "corrects for it, but other tools and log times will be off",
        "enable time sync: `timedatectl set-ntp true` (or install chrony)",
    )


async def check_key(client: AccountReader, account: str, wallets: frozenset[str]) -> CheckResult:
    """One key: valid, able to read what is switched on, and unable to withdraw."""
    name = f"key {account}"
    try:
        flags = await client.api_restrictions()
    except BinanceAuthError as exc:
        return CheckResult.fail(name, f"Binance rejected the key: {exc}", _NEW_KEY)
    except BinanceError as exc:
        return CheckResult.fail(
            name, f"could not check the key: {exc}", "check [binance] base_url and the network"
        )
    return judge_restrictions(name, flags, wallets)


def judge_restrictions(name: str, flags: dict[str, Any], wallets: frozenset[str]) -> CheckResult:
    """The verdict on a key's ``apiRestrictions`` flags."""
    if flags.get("enableWithdrawals"):
        return CheckResult.fail(
            name,
            "withdrawals are enabled: anyone who obtains this key could send your coins off "
            "Binance, and binfolio never needs that",
            "edit the key on Binance (API Management) and untick 'Enable Withdrawals', "
            "or " + _NEW_KEY,
        )
    if not flags.get("enableReading", False):
        return CheckResult.fail(name, "the key cannot read the account", _NEW_KEY)
    if "futures" in wallets and not flags.get("enableFutures", False):
        return CheckResult.fail(
            name,
            "the futures wallet is switched on but the key has no futures permission, so every "
            "snapshot of this account would fail",
            "tick 'Enable Futures' on the key, or set `wallets.futures = false` for this account",
        )
    if flags.get("enableSpotAndMarginTrading") or flags.get("enableMargin"):
        return CheckResult.warn(
            name,
            "trading is enabled on a monitoring key; binfolio only reads",
            "untick 'Enable Spot & Margin Trading' unless this key also serves the trader",
        )
    return CheckResult.ok(name, "valid and read-only")


async def check_keys(
    targets: Sequence[AccountTarget], exchange: Exchange, *, clock: Clock = utc_now
) -> list[CheckResult]:
    """The clock check, then one check per key (all at once). Never raises for Binance errors."""

    async def one(target: AccountTarget) -> CheckResult:
        async with exchange.account(target.api_key, target.api_secret) as client:
            return await check_key(client, target.name, target.wallets)

    results = await asyncio.gather(check_clock(exchange.market, clock), *(one(t) for t in targets))
    return list(results)
