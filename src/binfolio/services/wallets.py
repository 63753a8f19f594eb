"""Reading the wallets of one account, each on its own, so one failure cannot hide the others.

A wallet that fails for a temporary or request reason becomes a :class:`WalletRead` with the
reason (the snapshot turns ``partial``); an authentication error or a ban is returned as such,
because it concerns the whole account or the whole run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from decimal import Decimal

from binfolio.adapters.binance.client import BinanceClient
from binfolio.adapters.binance.errors import BinanceAuthError, BinanceBannedError, BinanceError
from binfolio.domain.snapshot import WALLET_GROUPS, Holding, Wallet, WalletRead

FatalError = BinanceAuthError | BinanceBannedError


async def _read_group(client: BinanceClient, group: str, earn_page_size: int) -> list[Holding]:
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
    client: BinanceClient, group: str, *, earn_page_size: int, deadline: float, deadline_s: float
) -> WalletRead | FatalError:
    """Read one wallet group before the loop-time ``deadline``."""
    try:
        async with asyncio.timeout_at(deadline):
            holdings = await _read_group(client, group, earn_page_size)
    except (BinanceAuthError, BinanceBannedError) as exc:
        return exc
    except BinanceError as exc:
        return WalletRead(error=str(exc))
    except TimeoutError:
        return WalletRead(error=f"not read before the run deadline ({deadline_s:g} s)")
    return WalletRead(holdings=tuple(holdings))


async def read_reconciliation(
    client: BinanceClient, *, deadline: float
) -> Mapping[str, Decimal] | FatalError | str:
    """Binance's per-wallet USDT totals, a fatal error, or why they could not be read."""
    try:
        async with asyncio.timeout_at(deadline):
            return await client.wallet_balances("USDT")
    except (BinanceAuthError, BinanceBannedError) as exc:
        return exc
    except BinanceError as exc:
        return f"reconciliation unavailable: {exc}"
    except TimeoutError:
        return "reconciliation unavailable: run deadline reached"


async def read_wallets(
    client: BinanceClient,
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
