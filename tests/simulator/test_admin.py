"""The ``/_sim/`` admin API: loopback only, clear errors, reset."""

from __future__ import annotations

from dataclasses import fields

import httpx

from binfolio.simulator import Limits, SimulatorConfig, create_app
from binfolio.simulator.faults import FaultRule
from binfolio.simulator.routes.admin.schemas import FaultRuleIn, LimitsIn
from tests.simulator.helpers import START_MS, Sim


async def test_admin_api_refuses_non_loopback_clients() -> None:
    app = create_app(SimulatorConfig(speed=0))
    transport = httpx.ASGITransport(app=app, client=("192.0.2.10", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        admin = await client.post("/_sim/accounts", json={"name": "x"})
        binance = await client.get("/api/v3/ping")

    assert admin.status_code == 403
    assert binance.status_code == 200


async def test_account_creation_returns_working_credentials(sim: Sim) -> None:
    keys = await sim.account(balances={"spot": {"BTC": "1.5"}})

    response = await sim.signed("GET", "/api/v3/account", keys, omitZeroBalances="true")

    assert len(keys.api_key) == 64
    assert keys.api_secret != keys.api_key
    assert response.json()["balances"] == [
        {"asset": "BTC", "free": "1.50000000", "locked": "0.00000000"}
    ]


async def test_mistakes_are_explained(sim: Sim) -> None:
    await sim.account()

    duplicate = await sim.client.post("/_sim/accounts", json={"name": "main"})
    bad_wallet = await sim.client.post(
        "/_sim/accounts", json={"name": "b", "balances": {"margin": {}}}
    )
    bad_amount = await sim.client.post(
        "/_sim/accounts", json={"name": "c", "balances": {"spot": {"BTC": "lots"}}}
    )
    no_account = await sim.client.post(
        "/_sim/deposits", json={"account": "ghost", "coin": "BTC", "amount": "1"}
    )
    bad_symbol = await sim.client.post("/_sim/prices", json={"NOPE": "1"})
    bad_fault = await sim.client.post("/_sim/faults", json={"stauts": 500})

    assert duplicate.status_code == 409
    assert (bad_wallet.status_code, "margin" in bad_wallet.json()["error"]) == (400, True)
    assert (bad_amount.status_code, "spot.BTC" in bad_amount.json()["error"]) == (400, True)
    assert no_account.status_code == 404
    assert bad_symbol.status_code == 400
    assert (bad_fault.status_code, "stauts" in bad_fault.json()["error"]) == (400, True)


async def test_clock_can_be_set_and_advanced(sim: Sim) -> None:
    clock = await sim.admin("GET", "/clock")
    advanced = await sim.admin("POST", "/clock", {"advance_ms": 1234})
    moved = await sim.admin("POST", "/clock", {"set_ms": START_MS + 10**9})

    assert clock["now_ms"] == clock["start_ms"] == START_MS
    assert clock["speed"] == 0
    assert advanced["now_ms"] == START_MS + 1234
    assert moved["now_ms"] == START_MS + 10**9


async def test_reset_forgets_accounts_faults_and_counters(sim: Sim) -> None:
    keys = await sim.account()
    await sim.admin("POST", "/faults", {"endpoint": "/api/v3/time", "status": 500})
    await sim.public("/api/v3/exchangeInfo")

    answer = await sim.admin("POST", "/reset", {"scenario": "bear", "seed": 9})
    ping = await sim.public("/api/v3/time")
    old_key = await sim.signed("GET", "/api/v3/account", keys)

    assert (answer["scenario"], answer["seed"]) == ("bear", 9)
    assert ping.status_code == 200
    assert ping.headers["x-mbx-used-weight-1m"] == "1"
    assert old_key.json()["code"] == -2015
    assert (await sim.admin("GET", "/accounts"))["accounts"] == []


async def test_permissions_can_be_changed_later(sim: Sim) -> None:
    keys = await sim.account()

    await sim.admin("POST", "/accounts/main/permissions", {"enableFutures": False})
    response = await sim.signed("GET", "/fapi/v2/balance", keys)

    assert response.json()["code"] == -2015


async def test_bad_bodies_name_every_wrong_field_before_anything_changes(sim: Sim) -> None:
    await sim.account()

    wrong = await sim.client.post(
        "/_sim/deposits", json={"acount": "main", "coin": "BTC", "amount": "1e"}
    )
    not_json = await sim.client.post("/_sim/clock", content=b"{advance_ms: 5}")
    not_object = await sim.client.post("/_sim/prices", json=["BTCUSDT", "1"])
    negative = await sim.client.post("/_sim/accounts/main/balances", json={"spot": {"BTC": "-1"}})
    bad_limit = await sim.client.get("/_sim/requests", params={"limit": "all"})

    assert wrong.status_code == 400
    assert wrong.json()["error"].split("; ") == [
        "account: Field required",
        "amount: Input should be a valid decimal",
        "acount: is not a known key",
    ]
    assert (not_json.status_code, not_json.json()["error"].startswith("the body is not JSON")) == (
        400,
        True,
    )
    assert (not_object.status_code, not_object.json()["error"]) == (
        400,
        "body: Input should be a valid dictionary",
    )
    assert (negative.status_code, negative.json()["error"]) == (400, "spot.BTC: -1 is negative")
    assert (bad_limit.status_code, "query.limit" in bad_limit.json()["error"]) == (400, True)
    assert (await sim.admin("GET", "/accounts/main"))["deposits"] == []


async def test_a_taken_api_key_is_a_conflict_and_an_unknown_account_is_not_found(sim: Sim) -> None:
    keys = await sim.account()

    taken = await sim.client.post("/_sim/accounts", json={"name": "b", "api_key": keys.api_key})
    ghost = await sim.client.post("/_sim/accounts/ghost/balances", json={"spot": {"BTC": "1"}})

    assert (taken.status_code, taken.json()["error"]) == (
        409,
        "api_key is already used by another account",
    )
    assert (ghost.status_code, ghost.json()["error"]) == (
        404,
        "no account 'ghost'; create it with POST /_sim/accounts",
    )


async def test_json_is_read_whatever_the_content_type_says(sim: Sim) -> None:
    # `curl -d '{...}'` sends JSON labelled as a form; the admin API reads it all the same.
    response = await sim.client.post(
        "/_sim/clock",
        content=b'{"advance_ms": 60000}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert (response.status_code, response.json()["now_ms"]) == (200, START_MS + 60000)


async def test_off_loopback_the_body_is_not_even_read() -> None:
    app = create_app(SimulatorConfig(speed=0))
    transport = httpx.ASGITransport(app=app, client=("192.0.2.10", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as client:
        response = await client.post("/_sim/accounts", content=b"not json")

    assert (response.status_code, response.json()) == (
        403,
        {"error": "the admin API answers loopback clients only"},
    )


def test_admin_bodies_cover_every_fault_and_limit_setting() -> None:
    assert set(FaultRuleIn.model_fields) == {f.name for f in fields(FaultRule)}
    assert set(LimitsIn.model_fields) == {f.name for f in fields(Limits)}
