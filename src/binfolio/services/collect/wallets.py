"""Reading the wallets of one account, each on its own, so one failure cannot hide the others.

A wallet that fails for a temporary or request reason becomes a :class:`WalletRead` with the
reason (the snapshot turns ``partial``). So does an authentication error on any wallet but spot:
Binance answers -2015 when the key merely lacks that wallet's permission (a spot-only read key
on ``/fapi``), and that must not cost the wallets that were read. An authentication error on
spot (``/api/v3/account`` needs nothing beyond reading, so the key itself is bad) and a ban are
returned as such, because they concern the whole account or the whole run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from decimal import Decimal

from binfolio.adapters.binance.errors import BinanceAuthError, BinanceBannedError, BinanceError
from binfolio.domain.snapshot import WALLET_GROUPS, Holding, Wallet, WalletRead
from binfolio.services.ports import AccountReader

FatalError = BinanceAuthError | BinanceBannedError

# The wallet whose read needs no permission beyond reading: refused there, the key is bad.
_KEY_CHECK_GROUP = "spot"


def _refused(exc: BinanceAuthError) -> str:
    code = f" (code {exc.code})" if exc.code is not None else ""
    return f"{exc.endpoint or 'Binance'} refused the API key{code}"


def missing_permission(group: str, exc: BinanceAuthError) -> str:
    """Why one wallet could not be read when Binance refused the key for it, and the way out."""
    return (
        f"{_refused(exc)}: the API key lacks {group} permission; enable it for the key on "
        f"Binance, or switch the wallet off with `wallets = {{ {group} = false }}` in this "
        "account's [[accounts]] table"
    )


async def _read_group(client: AccountReader, group: str, earn_page_size: int) -> list[Holding]:
    if group == "spot":
        return await client.spot_holdings()
    if group == "funding":
        return await client.funding_holdings()
    if group == "futures":
        return await client.futures_holdings()
    if group == "earn":
        flexible, locked = await asyncio.gather(
            client.earn_holdings(Wallet.EARN_FLEXIBLE, page_size=earn_page_size),
            client.earn_holdings(Wallet.EARN_LOCKED, page_size=earn_page_size),
        )
        return flexible + locked
    raise ValueError(f"unknown wallet {group!r}; known: {', '.join(WALLET_GROUPS)}")


async def read_group(
    client: AccountReader, group: str, *, earn_page_size: int, deadline: float, deadline_s: float
) -> WalletRead | FatalError:
    """Read one wallet group before the loop-time ``deadline``.

    Returns:
        The holdings, or the reason the group could not be read; a ban, or an authentication
        error on spot (the key itself is bad), is returned as the fatal error it is.

    Raises:
        ValueError: for a group not in ``WALLET_GROUPS``.
    """
    try:
        async with asyncio.timeout_at(deadline):
            holdings = await _read_group(client, group, earn_page_size)
    except BinanceBannedError as exc:
        return exc
    except BinanceAuthError as exc:
        if group == _KEY_CHECK_GROUP:
            return exc
        return WalletRead(error=missing_permission(group, exc))
    except BinanceError as exc:
        return WalletRead(error=str(exc))
    except TimeoutError:
        return WalletRead(error=f"not read before the run deadline ({deadline_s:g} s)")
    return WalletRead(holdings=tuple(holdings))


async def read_reconciliation(
    client: AccountReader, *, deadline: float
) -> Mapping[str, Decimal] | BinanceBannedError | str:
    """Binance's per-wallet USDT totals, a ban, or why they could not be read.

    A refused key is only a note here: a bad key also fails the spot read, which is fatal there.
    """
    try:
        async with asyncio.timeout_at(deadline):
            return await client.wallet_balances("USDT")
    except BinanceBannedError as exc:
        return exc
    except BinanceAuthError as exc:
        return (
            f"reconciliation unavailable: {_refused(exc)}; give the key that permission or "
            "switch reconciliation off with `reconcile = false` in [collector]"
        )
    except BinanceError as exc:
        return f"reconciliation unavailable: {exc}"
    except TimeoutError:
        return "reconciliation unavailable: run deadline reached"


async def read_wallets(
    client: AccountReader,
    groups: Iterable[str],
    *,
    earn_page_size: int,
    deadline: float,
    deadline_s: float,
) -> dict[str, WalletRead | FatalError]:
    """Read every enabled group concurrently; each result says how its read went."""
    ordered = [g for g in WALLET_GROUPS if g in set(groups)]
    results = await asyncio.gather(
        *(
            read_group(
                client, g, earn_page_size=earn_page_size, deadline=deadline, deadline_s=deadline_s
            )
            for g in ordered
        )
    )
    return dict(zip(ordered, results, strict=True))
