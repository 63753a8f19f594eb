"""A flow's USDT value: kline closes at the flow's minute, through the valuation rule.

The rule is the snapshot's (``domain.valuation.PriceBook``): USDT (and pegged coins) = 1, else
``COINUSDT``, else ``COINBTC × BTCUSDT``, else ``COINETH × ETHUSDT``, else ``1 / USDTCOIN``, else
unpriced (value 0, flagged). Which pairs exist comes from the run's all-prices response, so no
request is ever sent for a pair Binance does not list. A minute without a kline of its own takes
the last close before it (:mod:`kline_prices`); a route whose pair had no kline yet at that time
gives way to the next route.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from decimal import Decimal

from binfolio.domain.benchmark import kline_minute_ms
from binfolio.domain.flows import CashFlow
from binfolio.domain.valuation import PEGGED_TO_USDT, USDT, PriceBook, exact, value_usdt
from binfolio.services.ledger.kline_prices import PENDING, KlineCloses
from binfolio.services.ports import FlowPrice

PENDING_SOURCE = "pending"
UNPRICED = FlowPrice(Decimal(0), None, "unpriced")
NOT_FINAL = FlowPrice(None, None, PENDING_SOURCE)


Routes = Callable[[str], list[list[str]]]
"""coin → the pairs of each usable route, in the rule's order."""


def routes(coin: str) -> list[list[str]]:
    """The pairs each route of the valuation rule needs, in the rule's order."""
    return [
        [f"{coin}{USDT}"],
        [f"{coin}BTC", f"BTC{USDT}"],
        [f"{coin}ETH", f"ETH{USDT}"],
        [f"{USDT}{coin}"],
    ]


def routes_in(symbols: Collection[str]) -> Routes:
    """The routes whose pairs are all listed (the run's all-prices symbols)."""
    listed = frozenset(symbols)

    def usable(coin: str) -> list[list[str]]:
        return [pairs for pairs in routes(coin) if listed.issuperset(pairs)]

    return usable


async def price_flow(closes: KlineCloses, flow: CashFlow, usable: Routes) -> FlowPrice:
    """Value ``flow`` at the close of the 1-minute kline containing its time.

    Raises:
        Exception: whatever the kline source raises.
    """
    if flow.coin in PEGGED_TO_USDT:
        return FlowPrice(exact(flow.gross_units), Decimal(1), "usdt")
    minute_ms = kline_minute_ms(flow.time)
    for pairs in usable(flow.coin):
        found: dict[str, Decimal] = {}
        for pair in pairs:
            close = await closes.close(pair, minute_ms)
            if close is PENDING:
                return NOT_FINAL
            if close is None:
                break
            found[pair] = close
        else:
            # Every pair of this route traded: the snapshot's rule computes the price from them.
            price = PriceBook(found).price(flow.coin)
            if price.price_usdt is not None:
                return FlowPrice(
                    value_usdt(flow.gross_units, price), price.price_usdt, price.source.value
                )
    return UNPRICED
