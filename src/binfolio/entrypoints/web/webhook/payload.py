"""The TradingView alert message: its schema (OpenAPI, fuzzing) and its checks, at the edge.

``action`` is accepted for ``side`` and ``signal_id`` for ``id``; sides, symbols and order types
are case-insensitive (TradingView's ``{{strategy.order.action}}`` is lower case) and an
``EXCHANGE:`` prefix on the symbol (``{{exchange}}:{{ticker}}``) is dropped. Fields the trader
does not know are ignored: alert templates often carry more.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from binfolio.domain.trading.signal import OrderType, Side, Signal

_MAX_AMOUNT = Decimal(10) ** 12


class WebhookPayload(BaseModel):
    """One alert, as TradingView (or any caller) sends it."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    secret: str | None = Field(None, max_length=256, description="The webhook secret.")
    id: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="The alert's own id; re-deliveries with the same id are one signal. "
        "Suggested: {{ticker}}-{{interval}}-{{time}}-{{strategy.order.action}}.",
    )
    symbol: str = Field(
        pattern=r"^[A-Z0-9]{2,20}$", description="Binance symbol, e.g. BTCUSDT ({{ticker}})."
    )
    side: Literal["BUY", "SELL"] = Field(description="BUY or SELL (alias: action).")
    strategy: str = Field("", max_length=64)
    timeframe: str = Field("", max_length=16)
    confidence: Decimal | None = Field(None, ge=0, le=100, description="0-100.")
    amount_usdt: Decimal | None = Field(
        None,
        gt=0,
        le=_MAX_AMOUNT,
        description="USDT to spend on a BUY; default: trading.default_amount_usdt.",
    )
    order_type: Literal["MARKET", "LIMIT"] = "MARKET"
    price: Decimal | None = Field(None, gt=0, le=_MAX_AMOUNT, description="LIMIT price.")
    sent_at: datetime | None = Field(
        None, description="When the alert fired ({{timenow}}); for webhook.max_signal_age_s."
    )

    @model_validator(mode="before")
    @classmethod
    def _aliases(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("side") is None and "action" in data:
            data["side"] = data["action"]
        if data.get("id") is None and "signal_id" in data:
            data["id"] = data["signal_id"]
        if isinstance(data.get("id"), int | float) and not isinstance(data.get("id"), bool):
            data["id"] = str(data["id"])  # {{time}} alone is a number
        return data

    @field_validator("symbol", "side", "order_type", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip().upper()
            return value.rsplit(":", 1)[-1]
        return value

    @field_validator("id", "strategy", "timeframe")
    @classmethod
    def _printable(cls, value: str | None) -> str | None:
        if value is not None and any(ord(ch) < 32 for ch in value):
            raise ValueError("must not contain control characters")
        return value

    @field_validator("sent_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # {{timenow}} is UTC
        return value.astimezone(UTC) if value is not None else None

    @model_validator(mode="after")
    def _limit_needs_price(self) -> WebhookPayload:
        if self.order_type == "LIMIT" and self.price is None:
            raise ValueError("a LIMIT order needs a price")
        return self

    def to_signal(self, default_amount_usdt: Decimal) -> Signal:
        """The domain signal; a missing amount is the configured default."""
        return Signal(
            symbol=self.symbol,
            side=Side(self.side),
            order_type=OrderType(self.order_type),
            amount_usdt=self.amount_usdt or default_amount_usdt,
            confidence=self.confidence,
            price=self.price,
            strategy=self.strategy,
            timeframe=self.timeframe,
            alert_id=self.id,
            sent_at=self.sent_at,
        )


def describe(error: ValidationError) -> str:
    """One line naming each bad field and what is wrong with it."""
    parts = []
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in item.get("loc", ())) or "body"
        parts.append(f"{where}: {item.get('msg', 'invalid')}")
    return "; ".join(parts)


def request_schema() -> dict[str, Any]:
    """The JSON schema of the body (OpenAPI and the fuzz tests use it)."""
    return WebhookPayload.model_json_schema()
