"""Binance JSON → domain objects, at the edge; one error naming the endpoint and the field.

Amounts stay the exact strings Binance sent, parsed with ``to_decimal`` (never float).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from binfolio.adapters.binance.errors import BinanceResponseError
from binfolio.domain.money import MoneyParseError, to_decimal
from binfolio.domain.snapshot import Holding, Wallet


def _fail(endpoint: str, problem: str) -> BinanceResponseError:
    return BinanceResponseError(f"{endpoint}: {problem}", endpoint=endpoint)


def _rows(raw: Any, endpoint: str, key: str | None = None) -> list[dict[str, Any]]:
    rows = raw.get(key, []) if key is not None and isinstance(raw, dict) else raw
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        where = f"'{key}'" if key else "the body"
        raise _fail(endpoint, f"expected a list of objects in {where}, got {str(raw)[:120]}")
    return rows


def _field(row: dict[str, Any], name: str, endpoint: str) -> Any:
    if name not in row:
        raise _fail(endpoint, f"field '{name}' missing in {str(row)[:120]}")
    return row[name]


def _decimal(row: dict[str, Any], name: str, endpoint: str) -> Decimal:
    try:
        return to_decimal(_field(row, name, endpoint), field=name)
    except MoneyParseError as exc:
        raise _fail(endpoint, str(exc)) from exc


def _sum(row: dict[str, Any], names: Iterable[str], endpoint: str) -> Decimal:
    # A part absent from a row counts as zero (funding rows may omit freeze).
    return sum((_decimal(row, n, endpoint) for n in names if n in row), to_decimal("0"))


def ticker_prices(raw: Any, endpoint: str) -> dict[str, Decimal]:
    """``[{"symbol", "price"}, …]`` → ``{symbol: price}``."""
    return {
        str(_field(r, "symbol", endpoint)): _decimal(r, "price", endpoint)
        for r in _rows(raw, endpoint)
    }


def spot_holdings(raw: Any, endpoint: str) -> list[Holding]:
    """``/api/v3/account`` balances: free + locked (locked = in open orders)."""
    return [
        Holding(
            Wallet.SPOT, str(_field(r, "asset", endpoint)), _sum(r, ("free", "locked"), endpoint)
        )
        for r in _rows(raw, endpoint, "balances")
    ]


def funding_holdings(raw: Any, endpoint: str) -> list[Holding]:
    """Funding wallet rows: free + locked + freeze, not withdrawing.

    The ledger books a withdrawal as an outflow at its ``applyTime`` (see
    :class:`binfolio.domain.flows.CashFlow`), so coins already applied for are left out here, as
    they are in spot; counting them until completion would show a gain, then a loss, that are
    not one.
    """
    optional = ("locked", "freeze")
    return [
        Holding(
            Wallet.FUNDING,
            str(_field(r, "asset", endpoint)),
            _decimal(r, "free", endpoint) + _sum(r, optional, endpoint),
        )
        for r in _rows(raw, endpoint)
    ]


def earn_page(raw: Any, endpoint: str, wallet: Wallet) -> tuple[list[Holding], int]:
    """One Simple Earn page → (holdings, total rows across all pages).

    Flexible rows carry ``totalAmount``, locked rows ``amount``.
    """
    amount_field = "totalAmount" if wallet is Wallet.EARN_FLEXIBLE else "amount"
    if not isinstance(raw, dict):
        raise _fail(endpoint, f"expected an object with 'rows' and 'total', got {str(raw)[:120]}")
    holdings = [
        Holding(wallet, str(_field(r, "asset", endpoint)), _decimal(r, amount_field, endpoint))
        for r in _rows(raw, endpoint, "rows")
    ]
    total = raw.get("total", len(holdings))
    if not isinstance(total, int):
        raise _fail(endpoint, f"field 'total' is not an integer: {total!r}")
    return holdings, total


def futures_holdings(raw: Any, endpoint: str) -> list[Holding]:
    """``/fapi/v3/account`` assets: marginBalance (= walletBalance + unrealizedProfit)."""
    return [
        Holding(
            Wallet.FUTURES,
            str(_field(r, "asset", endpoint)),
            _decimal(r, "marginBalance", endpoint),
            wallet_balance=_decimal(r, "walletBalance", endpoint),
            unrealized_pnl=_decimal(r, "unrealizedProfit", endpoint),
        )
        for r in _rows(raw, endpoint, "assets")
    ]


def wallet_balances(raw: Any, endpoint: str) -> dict[str, Decimal]:
    """``/sapi/v1/asset/wallet/balance`` → ``{walletName: balance in the quote asset}``."""
    return {
        str(_field(r, "walletName", endpoint)): _decimal(r, "balance", endpoint)
        for r in _rows(raw, endpoint)
    }


def records(raw: Any, endpoint: str) -> list[dict[str, Any]]:
    """A list of raw JSON objects (history endpoints), checked for shape only."""
    return _rows(raw, endpoint)
