"""Client order ids, CSV neutralisation and the alert payload: the trader's edges, pure."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

import pytest
from pydantic import ValidationError

from binfolio.domain.trading.client_id import CLIENT_ORDER_ID, client_order_id
from binfolio.domain.trading.signal import OrderType, Side, Signal
from binfolio.entrypoints.web.webhook.payload import WebhookPayload, describe
from binfolio.services.trade.audit import (
    SIGNALS_HEADER,
    TRADES_HEADER,
    CsvAudit,
    neutralise,
    signal_row,
)


def test_client_order_id_is_deterministic_valid_and_per_mode() -> None:
    first = client_order_id("live", "id:BTCUSDT-15-1700000000-buy")
    assert first == client_order_id("live", "id:BTCUSDT-15-1700000000-buy")
    assert CLIENT_ORDER_ID.match(first)
    assert len(first) <= 36
    assert first != client_order_id("testnet", "id:BTCUSDT-15-1700000000-buy")
    assert first != client_order_id("live", "id:BTCUSDT-15-1700000000-sell")
    for key in ("id:ü/é:?", "body:" + "f" * 64 + ":1700000000000", "id:" + "x" * 200):
        assert CLIENT_ORDER_ID.match(client_order_id("paper", key))


def test_formula_cells_are_neutralised_but_numbers_are_not() -> None:
    assert neutralise('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert neutralise("+1+1") == "'+1+1"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("-2+3") == "'-2+3"
    assert neutralise("-5.5") == "-5.5"
    assert neutralise("ema-cross") == "ema-cross"


def test_audit_files_have_the_seed_headers_and_safe_cells(tmp_path: Path) -> None:
    audit = CsvAudit(tmp_path / "paper")
    signal = Signal(
        "BTCUSDT", Side.BUY, OrderType.MARKET, D(10), D(75), strategy="=cmd|' /C calc'!A0"
    )
    at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    audit.signal(signal_row(signal, at, "ACCEPTED", "accepted"))
    audit.signal(signal_row(signal, at, "REJECTED", "cooldown"))
    with (tmp_path / "paper" / "signals.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == SIGNALS_HEADER
    assert rows[0] == [
        "DateTime",
        "TradingPair",
        "Action",
        "Strategy",
        "TimeFrame",
        "Confidence",
        "Decision",
        "Reason",
    ]
    assert rows[1] == [
        "2026-11-30T12:00:00Z",
        "BTCUSDT",
        "BUY",
        "'=cmd|' /C calc'!A0",
        "",
        "75",
        "ACCEPTED",
        "accepted",
    ]
    assert len(rows) == 3
    assert TRADES_HEADER == (
        "DateTime",
        "TradingPair",
        "Action",
        "TradeAmount",
        "Price",
        "OrderID",
        "Status",
    )


def test_payload_accepts_tradingview_spellings() -> None:
    payload = WebhookPayload.model_validate(
        {
            "signal_id": 1700000000,
            "symbol": "binance:btcusdt",
            "action": "buy",
            "confidence": 75,
            "amount_usdt": 20.5,
            "order_type": "limit",
            "price": "59000.5",
            "sent_at": "2026-11-30T12:00:00",
            "comment": "extra fields are ignored",
        }
    )
    signal = payload.to_signal(D(10))
    assert signal.symbol == "BTCUSDT"
    assert signal.side is Side.BUY
    assert signal.order_type is OrderType.LIMIT
    assert signal.price == D("59000.5")
    assert signal.alert_id == "1700000000"
    assert signal.amount_usdt == D("20.5")
    assert signal.sent_at == datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    assert WebhookPayload.model_validate({"symbol": "ETHUSDT", "side": "SELL"}).to_signal(
        D(10)
    ).amount_usdt == D(10)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"side": "BUY"}, "symbol: Field required"),
        ({"symbol": "BTC/USDT", "side": "BUY"}, "symbol: String should match pattern"),
        ({"symbol": "BTCUSDT", "side": "HOLD"}, "side: Input should be 'BUY' or 'SELL'"),
        (
            {"symbol": "BTCUSDT", "side": "BUY", "confidence": 101},
            "confidence: Input should be less",
        ),
        (
            {"symbol": "BTCUSDT", "side": "BUY", "amount_usdt": "-1"},
            "amount_usdt: Input should be greater",
        ),
        ({"symbol": "BTCUSDT", "side": "BUY", "amount_usdt": "NaN"}, "amount_usdt"),
        (
            {"symbol": "BTCUSDT", "side": "BUY", "order_type": "LIMIT"},
            "a LIMIT order needs a price",
        ),
    ],
)
def test_payload_errors_name_the_field(body: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        WebhookPayload.model_validate(body)
    assert message in describe(caught.value)
