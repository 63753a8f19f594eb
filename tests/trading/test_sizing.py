"""Order sizing under Binance's filters, with the filter values of real symbols, in decimals."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from binfolio.adapters.binance.exchange_info import symbol_rules
from binfolio.domain.trading.filters import SymbolRules, ceil_to, floor_to, wire
from binfolio.domain.trading.signal import OrderType, Side, Signal
from binfolio.domain.trading.sizing import SizingRejected, size_order

# BTCUSDT as exchangeInfo describes it (the example of Binance's spot "Filters" docs).
BTCUSDT_INFO = {
    "symbol": "BTCUSDT",
    "status": "TRADING",
    "baseAsset": "BTC",
    "quoteAsset": "USDT",
    "quoteAssetPrecision": 8,
    "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
    "quoteOrderQtyMarketAllowed": True,
    "filters": [
        {
            "filterType": "PRICE_FILTER",
            "minPrice": "0.01000000",
            "maxPrice": "1000000.00000000",
            "tickSize": "0.01000000",
        },
        {
            "filterType": "LOT_SIZE",
            "minQty": "0.00001000",
            "maxQty": "9000.00000000",
            "stepSize": "0.00001000",
        },
        {"filterType": "ICEBERG_PARTS", "limit": 100},
        {
            "filterType": "MARKET_LOT_SIZE",
            "minQty": "0.00000000",
            "maxQty": "120.00000000",
            "stepSize": "0.00000000",
        },
        {
            "filterType": "PERCENT_PRICE_BY_SIDE",
            "bidMultiplierUp": "5",
            "bidMultiplierDown": "0.2",
            "askMultiplierUp": "5",
            "askMultiplierDown": "0.2",
            "avgPriceMins": 5,
        },
        {
            "filterType": "NOTIONAL",
            "minNotional": "5.00000000",
            "applyMinToMarket": True,
            "maxNotional": "9000000.00000000",
            "applyMaxToMarket": False,
            "avgPriceMins": 5,
        },
    ],
}
BTC = symbol_rules(BTCUSDT_INFO, "test")
# A symbol whose MARKET orders cannot be sized by quote (like the simulator's ARDRBTC), and an
# older one with the legacy MIN_NOTIONAL filter and whole-unit lots (like DOGEUSDT).
DOGE = symbol_rules(
    {
        "symbol": "DOGEUSDT",
        "baseAsset": "DOGE",
        "quoteAsset": "USDT",
        "quoteOrderQtyMarketAllowed": False,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": "0.00001",
                "maxPrice": "1000",
                "tickSize": "0.00001",
            },
            {"filterType": "LOT_SIZE", "minQty": "1", "maxQty": "9000000", "stepSize": "1"},
            {"filterType": "MIN_NOTIONAL", "minNotional": "1.0", "applyToMarket": True},
        ],
    },
    "test",
)


def buy(amount: str, **fields: object) -> Signal:
    return Signal("BTCUSDT", Side.BUY, OrderType.MARKET, D(amount), **fields)  # type: ignore[arg-type]


def test_exchange_info_entry_becomes_rules() -> None:
    assert BTC.tick_size == D("0.01")
    assert BTC.step_size == D("0.00001")
    assert BTC.min_notional == D(5)
    assert BTC.apply_min_to_market
    assert BTC.market_lot() == (D("0.00001"), D("0.00001"), D(120))
    assert DOGE.min_notional == D(1)
    assert not DOGE.quote_order_qty_market_allowed


def test_floor_and_ceil_keep_the_step_grid_and_precision() -> None:
    assert floor_to(D("0.000333333"), D("0.00001000")) == D("0.00033")
    assert wire(floor_to(D("0.000333333"), D("0.00001000"))) == "0.00033"
    assert ceil_to(D("65000.001"), D("0.01")) == D("65000.01")
    assert floor_to(D("65000.019"), D("0.01")) == D("65000.01")
    assert wire(floor_to(D("10"), D("1.00000000"))) == "10"
    assert floor_to(D("1.5"), D(0)) == D("1.5")  # a step of 0 disables the rule


def test_market_buy_spends_the_amount_by_quote_order_qty() -> None:
    plan = size_order(buy("20"), BTC, last_price=D("60000"))
    assert plan.quote_order_qty == D("20")
    assert plan.quantity is None
    assert wire(plan.quote_order_qty) == "20"


def test_market_buy_needs_the_minimum_notional_plus_margin() -> None:
    # 5 USDT is Binance's minimum, but the market check runs at an average price: keep 5%.
    with pytest.raises(SizingRejected, match="minimum notional 5 plus the 5% margin"):
        size_order(buy("5.1"), BTC, last_price=D("60000"))
    assert size_order(buy("5.25"), BTC, last_price=D("60000")).quote_order_qty == D("5.25")
    plan = size_order(buy("5.1"), BTC, last_price=D("60000"), notional_margin_pct=D(0))
    assert plan.quote_order_qty == D("5.1")


def test_market_buy_below_one_lot_step_is_rejected() -> None:
    # 0.5 USDT at 60000 buys 0.0000083 BTC: under the 0.00001 step and minQty.
    with pytest.raises(SizingRejected, match=r"below BTCUSDT.s minimum quantity 0\.00001"):
        size_order(buy("0.5"), BTC, last_price=D("60000"), notional_margin_pct=D(0))


def test_quote_amount_is_cut_to_the_quote_precision() -> None:
    plan = size_order(buy("20.123456789"), BTC, last_price=D("60000"))
    assert plan.quote_order_qty == D("20.12345678")


def test_market_buy_by_quantity_floors_to_the_step() -> None:
    signal = Signal("DOGEUSDT", Side.BUY, OrderType.MARKET, D("10"))
    plan = size_order(signal, DOGE, last_price=D("0.12345"))
    # 10 / 0.12345 = 81.004…: whole DOGE only.
    assert plan.quantity == D(81)
    assert plan.quote_order_qty is None
    assert plan.notional == D(81) * D("0.12345")


def test_market_sell_sells_the_smaller_of_free_and_position_floored() -> None:
    signal = Signal("BTCUSDT", Side.SELL, OrderType.MARKET, D("10"))
    plan = size_order(signal, BTC, last_price=D("60000"), sellable_qty=D("0.00032967"))
    assert plan.quantity == D("0.00032")
    assert wire(plan.quantity) == "0.00032"


def test_market_sell_of_dust_is_rejected() -> None:
    signal = Signal("BTCUSDT", Side.SELL, OrderType.MARKET, D("10"))
    with pytest.raises(SizingRejected, match="dust"):
        size_order(signal, BTC, last_price=D("60000"), sellable_qty=D("0.00008"))  # 4.8 USDT
    with pytest.raises(SizingRejected, match="nothing to sell"):
        size_order(signal, BTC, last_price=D("60000"), sellable_qty=D(0))


def test_limit_price_is_rounded_to_the_tick_in_the_traders_favour() -> None:
    limit_buy = Signal("BTCUSDT", Side.BUY, OrderType.LIMIT, D("20"), price=D("59999.999"))
    plan = size_order(limit_buy, BTC, last_price=D("60000"))
    assert plan.price == D("59999.99")
    assert plan.quantity == D("0.00033")  # floor(20 / 59999.99, 0.00001)
    limit_sell = Signal("BTCUSDT", Side.SELL, OrderType.LIMIT, D("20"), price=D("60000.001"))
    plan = size_order(limit_sell, BTC, last_price=D("60000"), sellable_qty=D("0.001"))
    assert plan.price == D("60000.01")
    assert plan.quantity == D("0.001")


def test_limit_notional_is_exact_without_margin() -> None:
    # 0.00009 BTC × 55555.56 = 5.0000004: over 5 by a hair, accepted (no margin for limits).
    limit_buy = Signal("BTCUSDT", Side.BUY, OrderType.LIMIT, D("5.0001"), price=D("55555.56"))
    plan = size_order(limit_buy, BTC, last_price=D("60000"))
    assert plan.quantity == D("0.00009")
    assert plan.notional == D("5.0000004")
    low = Signal("BTCUSDT", Side.BUY, OrderType.LIMIT, D("4.99"), price=D("55555.56"))
    with pytest.raises(SizingRejected, match="below BTCUSDT's minimum notional 5"):
        size_order(low, BTC, last_price=D("60000"))


def test_limit_price_outside_the_percent_band_is_rejected() -> None:
    far = Signal("BTCUSDT", Side.BUY, OrderType.LIMIT, D("20"), price=D("10000"))
    with pytest.raises(SizingRejected, match="too far from the current"):
        size_order(far, BTC, last_price=D("60000"))  # below 0.2 × 60000


def test_symbol_not_trading_is_rejected() -> None:
    halted = SymbolRules("BTCUSDT", "BTC", "USDT", status="HALT")
    with pytest.raises(SizingRejected, match="is HALT, not TRADING"):
        size_order(buy("20"), halted, last_price=D("60000"))


def test_max_notional_applies_to_market_only_when_told() -> None:
    capped = SymbolRules(
        "BTCUSDT",
        "BTC",
        "USDT",
        step_size=D("0.00001"),
        min_qty=D("0.00001"),
        max_notional=D(100),
        apply_max_to_market=True,
    )
    with pytest.raises(SizingRejected, match="above BTCUSDT's maximum notional 100"):
        size_order(buy("150"), capped, last_price=D("60000"))
