"""Parsing Binance wallet bodies into holdings."""

from __future__ import annotations

from decimal import Decimal

from binfolio.adapters.binance.parsing import funding_holdings

ENDPOINT = "POST /sapi/v1/asset/get-funding-asset"


def test_funding_counts_free_locked_and_freeze_but_not_coins_being_withdrawn() -> None:
    # The ledger books a withdrawal at its applyTime, so coins still "withdrawing" are already
    # an outflow; counting them as well would show a gain now and a loss at completion.
    raw = [
        {"asset": "BTC", "free": "0.5", "locked": "0.25", "freeze": "0.125", "withdrawing": "1"},
        {"asset": "USDT", "free": "10", "withdrawing": "5"},
    ]

    amounts = {h.asset: h.amount for h in funding_holdings(raw, ENDPOINT)}

    assert amounts == {"BTC": Decimal("0.875"), "USDT": Decimal("10")}
