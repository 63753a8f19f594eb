"""Every Binance and transport failure arrives as the one typed error that says what to do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from binfolio.adapters.binance.errors import (
    BinanceAuthError,
    BinanceBadRequestError,
    BinanceBannedError,
    BinanceClockError,
    BinanceError,
    BinanceRateLimitedError,
    BinanceResponseError,
    BinanceTemporaryError,
)
from binfolio.adapters.binance.rest import RetryPolicy
from tests.adapters.binance_mock import NOW, Recorder, make_client

ONCE = RetryPolicy(attempts=1)


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (500, {"code": -1001, "msg": "Internal error"}, BinanceTemporaryError),
        (503, {"code": -1008, "msg": "Server is currently overloaded"}, BinanceTemporaryError),
        (504, "<html>gateway</html>", BinanceTemporaryError),
        (
            401,
            {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."},
            BinanceAuthError,
        ),
        (401, {"code": -2014, "msg": "API-key format invalid."}, BinanceAuthError),
        (400, {"code": -1022, "msg": "Signature for this request is not valid."}, BinanceAuthError),
        (
            400,
            {"code": -1021, "msg": "Timestamp for this request is outside of the recvWindow."},
            BinanceClockError,
        ),
        (400, {"code": -1121, "msg": "Invalid symbol."}, BinanceBadRequestError),
        (403, "WAF", BinanceBadRequestError),
        (
            451,
            {"code": 0, "msg": "Service unavailable from a restricted location"},
            BinanceBadRequestError,
        ),
    ],
)
async def test_error_responses_are_translated_by_status_and_code(
    status: int, body: object, expected: type[BinanceError]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    client = make_client(handler, Recorder(), retry=ONCE, server_ms=1)
    with pytest.raises(BinanceError) as caught:
        await client.spot_holdings()
    assert type(caught.value) is expected
    assert caught.value.endpoint == "GET /api/v3/account"


async def test_auth_errors_tell_the_user_to_check_the_api_key() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"code": -2015, "msg": "Invalid API-key."})

    client = make_client(handler, Recorder(), server_ms=1)
    with pytest.raises(BinanceAuthError, match="check the API key"):
        await client.futures_holdings()


async def test_429_carries_retry_after_seconds() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            429, headers={"Retry-After": "17"}, json={"code": -1003, "msg": "Too much weight"}
        )

    client = make_client(handler, Recorder(), retry=ONCE, server_ms=1)
    with pytest.raises(BinanceRateLimitedError) as caught:
        await client.spot_holdings()
    assert caught.value.retry_after_s == 17


async def test_418_says_until_when_from_the_message() -> None:
    until_ms = 1_795_000_000_000

    def handler(request: httpx.Request) -> httpx.Response:
        msg = f"Way too much request weight used; IP banned until {until_ms}."
        return httpx.Response(418, headers={"Retry-After": "120"}, json={"code": -1003, "msg": msg})

    client = make_client(handler, Recorder(), server_ms=1)
    with pytest.raises(BinanceBannedError) as caught:
        await client.spot_holdings()
    assert caught.value.until == datetime.fromtimestamp(until_ms / 1000, UTC)
    assert "banned this IP until 2026-11-18T" in str(caught.value)


async def test_418_without_a_time_in_the_message_uses_retry_after() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(418, headers={"Retry-After": "120"}, json={"code": -1003, "msg": ""})

    client = make_client(handler, Recorder(), server_ms=1)
    with pytest.raises(BinanceBannedError) as caught:
        await client.spot_holdings()
    assert caught.value.until == NOW + timedelta(seconds=120)


async def test_transport_failures_become_temporary_errors_chained_to_the_cause() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client = make_client(handler, Recorder(), retry=ONCE, server_ms=1)
    with pytest.raises(BinanceTemporaryError, match="timed out") as caught:
        await client.spot_holdings()
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


async def test_a_success_that_is_not_json_names_the_endpoint() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="<html>maintenance</html>")

    client = make_client(handler, Recorder(), server_ms=1)
    with pytest.raises(BinanceResponseError, match=r"GET /api/v3/account: response is not JSON"):
        await client.spot_holdings()


async def test_a_missing_field_names_the_endpoint_and_the_field() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"assets": [{"asset": "USDT", "walletBalance": "1"}]})

    client = make_client(handler, Recorder(), server_ms=1)
    with pytest.raises(BinanceResponseError, match=r"/fapi/v3/account: field 'marginBalance'"):
        await client.futures_holdings()


async def test_an_amount_sent_as_a_float_is_refused_not_rounded() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, json={"balances": [{"asset": "BTC", "free": 0.1, "locked": "0"}]}
        )

    client = make_client(handler, Recorder(), server_ms=1)
    with pytest.raises(BinanceResponseError, match="refusing float"):
        await client.spot_holdings()
