"""Binance's request security: keys, HMAC over the raw bytes, timing, permissions."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from binfolio.simulator.errors import BinanceErrorReply
from binfolio.simulator.signing import check_signature
from tests.simulator.helpers import Sim, now_ms, signature

# The HMAC test vector of Binance's spot docs ("SIGNED Endpoint Examples").
DOC_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"
DOC_PAYLOAD = (
    "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
    "&recvWindow=5000&timestamp=1499827319559"
)


def test_binance_test_vector_verifies_and_a_changed_byte_does_not() -> None:
    vector = "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71"
    body = f"{DOC_PAYLOAD}&signature={vector}".encode()

    check_signature(DOC_SECRET, b"", body)  # the signature may travel in the body
    check_signature(DOC_SECRET, f"signature={vector}".encode(), DOC_PAYLOAD.encode())
    with pytest.raises(BinanceErrorReply) as refused:
        check_signature(DOC_SECRET, b"", body.replace(b"price=0.1", b"price=0.2"))
    assert (refused.value.http_status, refused.value.code) == (400, -1022)


async def test_documented_keys_and_a_split_query_and_body_payload_are_accepted(sim: Sim) -> None:
    keys = await sim.account(
        api_key="docKey", api_secret=DOC_SECRET, balances={"spot": {"USDT": "100"}}
    )
    query = "omitZeroBalances=true"
    body = f"recvWindow=5000&timestamp={now_ms()}"
    sig = hmac.new(DOC_SECRET.encode(), (query + body).encode(), hashlib.sha256).hexdigest()

    response = await sim.client.request(
        "GET",
        f"/api/v3/account?{query}",
        content=f"{body}&signature={sig.upper()}",  # HMAC signatures are not case-sensitive
        headers={"X-MBX-APIKEY": keys.api_key, "Content-Type": "application/json"},
    )

    assert response.status_code == 200, response.text
    assert [b["asset"] for b in response.json()["balances"]] == ["USDT"]


async def test_percent_encoded_payload_is_verified_as_received(sim: Sim) -> None:
    keys = await sim.account(balances={"spot": {"USDT": "100"}})

    response = await sim.signed("GET", "/api/v3/ticker/price", keys, symbols='["BTCUSDT","ETHBTC"]')

    assert response.status_code == 200
    assert len(response.json()) == 2


async def test_wrong_signature_is_1022_with_400(sim: Sim) -> None:
    keys = await sim.account()

    response = await sim.signed("GET", "/api/v3/account", keys, secret="not-the-secret")

    assert response.status_code == 400
    assert response.json() == {"code": -1022, "msg": "Signature for this request is not valid."}


async def test_stale_timestamp_is_1021_with_400(sim: Sim) -> None:
    keys = await sim.account()

    stale = await sim.signed("GET", "/api/v3/account", keys, timestamp=now_ms() - 6000)
    ahead = await sim.signed("GET", "/api/v3/account", keys, timestamp=now_ms() + 5000)
    wide = await sim.signed(
        "GET", "/api/v3/account", keys, timestamp=now_ms() - 6000, recvWindow=10000
    )

    assert (stale.status_code, stale.json()["code"]) == (400, -1021)
    assert "outside of the recvWindow" in stale.json()["msg"]
    assert (ahead.status_code, ahead.json()["code"]) == (400, -1021)
    assert "ahead" in ahead.json()["msg"]
    assert wide.status_code == 200


async def test_recv_window_over_60000_is_refused(sim: Sim) -> None:
    keys = await sim.account()

    response = await sim.signed("GET", "/api/v3/account", keys, recvWindow=60001)

    assert (response.status_code, response.json()["code"]) == (400, -1102)


async def test_server_skew_moves_the_timing_check(sim: Sim) -> None:
    keys = await sim.account()
    await sim.admin("POST", "/clock", {"skew_ms": 20_000})

    unsynced = await sim.signed("GET", "/api/v3/account", keys)
    server_ms = (await sim.public("/api/v3/time")).json()["serverTime"]
    synced = await sim.signed("GET", "/api/v3/account", keys, timestamp=server_ms)

    assert unsynced.json()["code"] == -1021
    assert synced.status_code == 200


async def test_missing_key_is_2014_and_unknown_key_is_2015_both_401(sim: Sim) -> None:
    missing = await sim.client.get(f"/api/v3/account?timestamp={now_ms()}&signature=00")
    unknown = await sim.client.get(
        f"/api/v3/account?timestamp={now_ms()}&signature=00", headers={"X-MBX-APIKEY": "nobody"}
    )

    assert (missing.status_code, missing.json()["code"]) == (401, -2014)
    assert (unknown.status_code, unknown.json()) == (
        401,
        {"code": -2015, "msg": "Invalid API-key, IP, or permissions for action."},
    )


async def test_missing_signature_and_timestamp_are_1102(sim: Sim) -> None:
    keys = await sim.account()
    headers = {"X-MBX-APIKEY": keys.api_key}

    unsigned = await sim.client.get(f"/api/v3/account?timestamp={now_ms()}", headers=headers)
    no_time = await sim.client.get(
        f"/api/v3/account?signature={signature(keys.api_secret, '')}", headers=headers
    )

    assert unsigned.json()["code"] == -1102
    assert "signature" in unsigned.json()["msg"]
    assert no_time.json()["code"] == -1102
    assert "timestamp" in no_time.json()["msg"]


@pytest.mark.parametrize(
    ("permissions", "method", "path", "params"),
    [
        (
            {"enableSpotAndMarginTrading": False},
            "POST",
            "/api/v3/order",
            {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quoteOrderQty": "10"},
        ),
        ({"enableFutures": False}, "GET", "/fapi/v3/account", {}),
        ({"enableReading": False}, "GET", "/api/v3/account", {}),
    ],
)
async def test_missing_permission_is_2015_with_401(
    sim: Sim, permissions: dict[str, bool], method: str, path: str, params: dict[str, str]
) -> None:
    keys = await sim.account(balances={"spot": {"USDT": "100"}}, permissions=permissions)

    response = await sim.signed(method, path, keys, in_body=method == "POST", **params)

    assert (response.status_code, response.json()["code"]) == (401, -2015)


async def test_read_only_key_still_reads(sim: Sim) -> None:
    keys = await sim.account(permissions={"enableSpotAndMarginTrading": False})

    response = await sim.signed("GET", "/api/v3/account", keys)

    assert response.status_code == 200
    assert response.json()["canTrade"] is False


async def test_a_parameter_repeated_in_the_query_is_1101(sim: Sim) -> None:
    response = await sim.client.get("/api/v3/ticker/price?symbol=BTCUSDT&symbol=ETHUSDT")

    assert (response.status_code, response.json()["code"]) == (400, -1101)


async def test_unknown_symbol_is_1121(sim: Sim) -> None:
    response = await sim.public("/api/v3/ticker/price", symbol="NOPEUSDT")

    assert (response.status_code, response.json()) == (
        400,
        {"code": -1121, "msg": "Invalid symbol."},
    )
