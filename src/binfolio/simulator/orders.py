"""The spot matching engine: MARKET and LIMIT orders against the simulated price path.

Checks run in the order Binance runs them: parameters, then filters (-1013: PRICE_FILTER →
LOT_SIZE/MARKET_LOT_SIZE → NOTIONAL), then the matching engine's own checks (-2010: duplicate
open client id, balance). MARKET orders fill at once at the current price; a LIMIT GTC order
that does not cross rests, locks its balance and fills at its limit price when the path crosses
it. The taker fee (also charged to makers here, as on Binance's base tier) is taken from the
asset received and reported in ``fills``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

from binfolio.domain.money import ZERO
from binfolio.simulator import errors
from binfolio.simulator.accounts import Account
from binfolio.simulator.catalogue import SYMBOL_BY_NAME, SymbolSpec
from binfolio.simulator.signing import Params
from binfolio.simulator.wire import d8, floor_to_step

if TYPE_CHECKING:
    from binfolio.simulator.state import SimState

CLIENT_ID_PATTERN = "^[a-zA-Z0-9-_]{1,36}$"
_CLIENT_ID = re.compile(r"^[a-zA-Z0-9\-_]{1,36}\Z")
_EIGHT = Decimal("0.00000001")
_OPEN = ("NEW", "PARTIALLY_FILLED")


@dataclass
class Order:
    """One spot order and its fills."""

    order_id: int
    symbol: str
    client_order_id: str
    side: str
    type: str
    time_in_force: str
    price: Decimal
    orig_qty: Decimal
    orig_quote_qty: Decimal
    time_ms: int
    status: str = "NEW"
    executed_qty: Decimal = ZERO
    cumm_quote_qty: Decimal = ZERO
    update_ms: int = 0
    last_check_ms: int = 0
    fills: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """Whether the order still rests on the book."""
        return self.status in _OPEN


@dataclass(frozen=True)
class OrderRequest:
    """A validated new order."""

    spec: SymbolSpec
    side: str
    type: str
    time_in_force: str
    quantity: Decimal
    quote_qty: Decimal
    price: Decimal
    client_order_id: str | None


def _choice(params: Params, name: str, allowed: tuple[str, ...], code: int, msg: str) -> str:
    value = params.require(name)
    if value not in allowed:
        raise errors.bad_request(code, msg)
    return value


def _amount(params: Params, name: str) -> Decimal | None:
    value = params.decimal(name)
    exponent = value.as_tuple().exponent if value is not None else 0
    if isinstance(exponent, int) and exponent < -8:
        raise errors.bad_request(-1111, f"Parameter '{name}' has too much precision.")
    return value


def _check_market(
    spec: SymbolSpec, quantity: Decimal | None, quote_qty: Decimal | None, price: Decimal | None
) -> None:
    if quantity is None and quote_qty is None:
        raise errors.bad_request(
            -1102, "Param 'quantity' or 'quoteOrderQty' must be sent, but both were empty/null!"
        )
    if quantity is not None and quote_qty is not None:
        raise errors.bad_request(-1106, "Parameter 'quoteOrderQty' sent when not required.")
    if quote_qty is not None and not spec.quote_order_qty_market_allowed:
        raise errors.bad_request(
            -2010, "Quote order qty market orders are not support for this symbol."
        )
    if price is not None:
        raise errors.bad_request(-1106, "Parameter 'price' sent when not required.")


def _check_limit(
    params: Params,
    kind: str,
    quantity: Decimal | None,
    quote_qty: Decimal | None,
    price: Decimal | None,
) -> str:
    """The LIMIT/LIMIT_MAKER parameter rules; returns the time in force."""
    time_in_force = "GTC"
    if kind == "LIMIT":
        time_in_force = _choice(
            params, "timeInForce", ("GTC", "IOC", "FOK"), -1115, "Invalid timeInForce."
        )
    if quantity is None:
        raise errors.missing_param("quantity")
    if price is None:
        raise errors.missing_param("price")
    if quote_qty is not None:
        raise errors.bad_request(-1106, "Parameter 'quoteOrderQty' sent when not required.")
    return time_in_force


def parse_order(state: SimState, params: Params) -> OrderRequest:
    """Read and check a new order's parameters and the symbol's filters.

    Raises:
        BinanceErrorReply: -1121, -1102, -1106, -1111, -1115/-1116/-1117, -1100, -2010
            (quoteOrderQty not allowed) or -1013.
    """
    symbol = params.require("symbol")
    if symbol not in SYMBOL_BY_NAME:
        raise errors.invalid_symbol()
    spec = state.market.spec(symbol)
    side = _choice(params, "side", ("BUY", "SELL"), -1117, "Invalid side.")
    kind = _choice(params, "type", ("MARKET", "LIMIT", "LIMIT_MAKER"), -1116, "Invalid orderType.")
    client_id = params.values.get("newClientOrderId")
    if client_id is not None:
        if client_id == "":
            raise errors.bad_request(-1118, "New client order ID was empty.")
        if not _CLIENT_ID.match(client_id):
            raise errors.illegal_chars("newClientOrderId", CLIENT_ID_PATTERN)
    quantity, quote_qty, price = (
        _amount(params, "quantity"),
        _amount(params, "quoteOrderQty"),
        _amount(params, "price"),
    )
    if kind == "MARKET":
        _check_market(spec, quantity, quote_qty, price)
        time_in_force = "GTC"
    else:
        time_in_force = _check_limit(params, kind, quantity, quote_qty, price)
    request = OrderRequest(
        spec,
        side,
        kind,
        time_in_force,
        quantity or ZERO,
        quote_qty or ZERO,
        price or ZERO,
        client_id,
    )
    check_filters(request, state.market.price(symbol, state.clock.now_ms()))
    return request


def check_filters(request: OrderRequest, last_price: Decimal) -> None:
    """PRICE_FILTER, LOT_SIZE and NOTIONAL, in Binance's order.

    Raises:
        BinanceErrorReply: -1013 naming the first filter that fails.
    """
    spec = request.spec
    if request.type != "MARKET" and (
        request.price < spec.tick_size
        or request.price % spec.tick_size
        or request.price > Decimal(1000000)
    ):
        raise errors.filter_failure("PRICE_FILTER")
    quantity = request.quantity
    if request.quote_qty:
        # A quoteOrderQty order "will not break LOT_SIZE": its quantity is rounded down to the step.
        quantity = floor_to_step(request.quote_qty / last_price, spec.step_size)
    if quantity < spec.min_qty or quantity > spec.max_qty or quantity % spec.step_size:
        raise errors.filter_failure("LOT_SIZE")
    notional = request.quote_qty or quantity * (
        last_price if request.type == "MARKET" else request.price
    )
    if notional < spec.min_notional:
        raise errors.filter_failure("NOTIONAL")


def _fee(amount: Decimal, rate: Decimal) -> Decimal:
    return (amount * rate).quantize(_EIGHT, rounding=ROUND_HALF_EVEN)


def _fill(
    state: SimState, account: Account, order: Order, qty: Decimal, price: Decimal, locked: bool
) -> None:
    """Exchange ``qty`` at ``price``; the fee comes out of what the account receives."""
    spec = state.market.spec(order.symbol)
    quote = qty * price
    if order.side == "BUY":
        pay_asset, pay, receive_asset, receive = spec.quote, quote, spec.base, qty
    else:
        pay_asset, pay, receive_asset, receive = spec.base, qty, spec.quote, quote
    if locked:
        account.balance(pay_asset).locked -= pay
    else:
        account.debit(pay_asset, pay)
    commission = _fee(receive, state.taker_fee)
    account.credit(receive_asset, receive - commission)
    order.executed_qty += qty
    order.cumm_quote_qty += quote
    order.status = "FILLED"
    order.fills.append(
        {
            "price": d8(price),
            "qty": d8(qty),
            "commission": d8(commission),
            "commissionAsset": receive_asset,
            "tradeId": state.next_number(),
        }
    )


def place_order(state: SimState, account: Account, request: OrderRequest) -> Order:
    """Run a checked order through the matching engine.

    Raises:
        BinanceErrorReply: -2010 for a duplicate open client id, insufficient balance, or a
            LIMIT_MAKER order that would take.
    """
    client_id = request.client_order_id or f"sim{state.next_number():019d}"
    if any(o.client_order_id == client_id for o in account.open_orders.values()):
        raise errors.bad_request(-2010, "Duplicate order sent.")
    now_ms = state.clock.now_ms()
    spec = request.spec
    last = state.market.price(spec.symbol, now_ms)
    quantity = request.quantity or floor_to_step(request.quote_qty / last, spec.step_size)
    order = Order(
        order_id=state.next_number(),
        symbol=spec.symbol,
        client_order_id=client_id,
        side=request.side,
        type=request.type,
        time_in_force=request.time_in_force,
        price=request.price,
        orig_qty=quantity,
        orig_quote_qty=request.quote_qty,
        time_ms=now_ms,
        update_ms=now_ms,
        last_check_ms=now_ms,
    )
    crosses = request.type == "MARKET" or (
        last <= request.price if request.side == "BUY" else last >= request.price
    )
    if request.type == "LIMIT_MAKER" and crosses:
        raise errors.bad_request(-2010, "Order would immediately match and take.")
    if request.side == "BUY":
        needed = request.quote_qty or quantity * (last if crosses else request.price)
        if account.balance(spec.quote).free < needed:
            raise errors.insufficient_balance()
    elif account.balance(spec.base).free < quantity:
        raise errors.insufficient_balance()
    if crosses:
        _fill(state, account, order, quantity, last, locked=False)
    elif request.time_in_force in ("IOC", "FOK"):
        order.status = "EXPIRED"
    else:
        account.lock(
            spec.quote if request.side == "BUY" else spec.base,
            quantity * request.price if request.side == "BUY" else quantity,
        )
        account.open_orders[order.order_id] = order
    account.orders[order.order_id] = order
    account.update_ms = now_ms
    return order


def find_order(account: Account, params: Params) -> Order | None:
    """The order named by ``orderId`` or ``origClientOrderId`` on ``symbol``.

    Raises:
        BinanceErrorReply: -1102 when neither id was sent.
    """
    symbol = params.require("symbol")
    order_id, client_id = params.integer("orderId"), params.get("origClientOrderId")
    if order_id is None and client_id is None:
        raise errors.bad_request(
            -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
        )
    if order_id is not None:
        order = account.orders.get(order_id)
        if order is None or (client_id is not None and order.client_order_id != client_id):
            return None
    else:
        # The open order with that id first, else the latest closed one.
        matches = [o for o in account.orders.values() if o.client_order_id == client_id]
        matches.sort(key=lambda o: (o.is_open, o.order_id))
        order = matches[-1] if matches else None
    return order if order is not None and order.symbol == symbol else None


def cancel_order(account: Account, order: Order, now_ms: int, spec: SymbolSpec) -> None:
    """Cancel an open order and release what it locked."""
    remaining = order.orig_qty - order.executed_qty
    if order.side == "BUY":
        account.unlock(spec.quote, remaining * order.price)
    else:
        account.unlock(spec.base, remaining)
    order.status = "CANCELED"
    order.update_ms = now_ms
    account.open_orders.pop(order.order_id, None)
    account.update_ms = now_ms


def match_open_orders(state: SimState, account: Account, now_ms: int) -> None:
    """Fill resting LIMIT orders whose price the path has crossed since the last look."""
    for order in list(account.open_orders.values()):
        if now_ms <= order.last_check_ms:
            continue
        low, high = state.market.extremes(order.symbol, order.last_check_ms + 1, now_ms)
        order.last_check_ms = now_ms
        if (order.side == "BUY" and low <= order.price) or (
            order.side == "SELL" and high >= order.price
        ):
            _fill(
                state, account, order, order.orig_qty - order.executed_qty, order.price, locked=True
            )
            order.update_ms = now_ms
            account.open_orders.pop(order.order_id, None)
            account.update_ms = now_ms
