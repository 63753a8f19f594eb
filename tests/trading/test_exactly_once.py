"""Exactly-once orders against the simulator over real HTTP, on SQLite and PostgreSQL: limits
under concurrency, TradingView's re-deliveries, lost answers, and the errors never retried."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from binfolio.domain.trading.risk import RiskLimits
from binfolio.services.trade.options import TraderOptions
from binfolio.simulator.testing import SimulatorHandle, wait_until
from tests.trading.conftest import StartWebhook
from tests.trading.support import SECRET, SYMBOLS, alert, midnight_utc, orders_placed, post

BEARER = {"Authorization": f"Bearer {SECRET}"}


def _post_all(url: str, bodies: list[dict[str, object]]) -> list[httpx.Response]:
    """POST every body at once, one thread each (real concurrency, no event loop here)."""
    limits = httpx.Limits(max_connections=64)
    with httpx.Client(timeout=30, limits=limits) as client, ThreadPoolExecutor(50) as pool:
        return list(pool.map(lambda body: client.post(f"{url}/webhook", json=body), bodies))


def _status(url: str) -> dict[str, object]:
    return httpx.get(f"{url}/status", headers=BEARER, timeout=10).json()  # type: ignore[no-any-return]


def test_fifty_concurrent_signals_place_exactly_the_daily_limit(
    db_url: str, start_webhook: StartWebhook, simulator: SimulatorHandle
) -> None:
    webhook = start_webhook(db_url, risk__max_trades_per_day=5)
    bodies = [alert(SYMBOLS[n % len(SYMBOLS)], id=f"sig-{n}") for n in range(50)]
    answers = _post_all(webhook.url, bodies)
    assert [a.status_code for a in answers] == [200] * 50
    assert {a.json()["status"] for a in answers} == {"accepted"}
    webhook.drain()
    assert len(orders_placed(simulator)) == 5
    assert _status(webhook.url)["trades_today"] == 5
    store = webhook.built.trader.store
    signals = store.overview(midnight_utc(), recent=100).recent_signals
    assert sum(s["status"] == "executed" for s in signals) == 5
    rejected = [s["reason"] for s in signals if s["status"] == "rejected"]
    assert len(rejected) == 45
    assert all("max_trades_per_day is 5" in r for r in rejected)


def test_one_alert_delivered_four_times_is_one_order(
    db_url: str, start_webhook: StartWebhook, simulator: SimulatorHandle
) -> None:
    webhook = start_webhook(db_url)
    # TradingView re-sends the very same body (here without an id) up to three times.
    body = json.dumps(alert("ETHUSDT", strategy="ema-cross"))
    answers = [post(webhook.url, body, headers={"Content-Type": "text/plain"}) for _ in range(4)]
    assert [a.json()["status"] for a in answers] == ["accepted"] + ["duplicate"] * 3
    assert len({a.json()["signal_id"] for a in answers}) == 1
    # The same alert id with a different body (a later bar's price) is the same signal too.
    with_id = [post(webhook.url, alert(id="bar-42", price=str(60000 + n))) for n in range(4)]
    assert [a.json()["status"] for a in with_id] == ["accepted"] + ["duplicate"] * 3
    webhook.drain()
    assert len(orders_placed(simulator)) == 2
    deliveries = [s["deliveries"] for s in _status(webhook.url)["recent_signals"]]  # type: ignore[union-attr]
    assert deliveries == [4, 4]


def test_lost_answer_is_looked_up_not_sent_again(
    db_url: str, start_webhook: StartWebhook, simulator: SimulatorHandle
) -> None:
    webhook = start_webhook(db_url)  # the trader's HTTP timeout is 2 s
    simulator.set_faults(
        endpoint="/api/v3/order",
        method="POST",
        timeout=True,
        timeout_ms=4000,
        after_processing=True,
        times=1,
    )
    assert post(webhook.url, alert(id="lost-1")).json()["status"] == "accepted"
    webhook.drain()
    assert len(orders_placed(simulator)) == 1  # accepted by the simulator, answer lost
    lookups = [r for r in simulator.requests_log(path="/api/v3/order") if r["method"] == "GET"]
    assert lookups
    assert lookups[0]["status"] == 200
    recent = _status(webhook.url)["recent_signals"][0]  # type: ignore[index]
    assert recent["status"] == "executed"
    assert recent["order_status"] == "filled"


def test_order_never_placed_after_a_5xx_is_sent_once_more(
    db_url: str, start_webhook: StartWebhook, simulator: SimulatorHandle
) -> None:
    webhook = start_webhook(db_url)
    simulator.set_faults(endpoint="/api/v3/order", method="POST", status=503, times=1)
    assert post(webhook.url, alert(id="retry-1")).json()["status"] == "accepted"
    webhook.drain()
    posts = [r for r in simulator.requests_log(path="/api/v3/order") if r["method"] == "POST"]
    gets = [r for r in simulator.requests_log(path="/api/v3/order") if r["method"] == "GET"]
    assert [p["status"] for p in posts] == [503, 200]
    assert [g["code"] for g in gets] == [-2013]  # looked up first: not there
    assert len(orders_placed(simulator)) == 1


def _refuse_next_order(simulator: SimulatorHandle, code: int, msg: str) -> None:
    simulator.set_faults(
        endpoint="/api/v3/order", method="POST", status=400, code=code, msg=msg, times=1
    )


@pytest.mark.parametrize(
    ("code", "msg"),
    [
        (-1013, "Filter failure: NOTIONAL"),
        (-2010, "Account has insufficient balance for requested action."),
        (-1100, "Illegal characters found in parameter 'newClientOrderId'."),
        (-1111, "Parameter 'quantity' has too much precision."),
        (-1022, "Signature for this request is not valid."),
    ],
)
def test_certain_refusals_are_final_and_never_retried(
    db_url: str,
    start_webhook: StartWebhook,
    simulator: SimulatorHandle,
    code: int,
    msg: str,
) -> None:
    webhook = start_webhook(db_url)
    _refuse_next_order(simulator, code, msg)
    post(webhook.url, alert(id="f-1"))
    webhook.drain()
    requests = simulator.requests_log(path="/api/v3/order")
    assert [(r["method"], r["code"]) for r in requests] == [("POST", code)]
    recent = _status(webhook.url)
    signal = recent["recent_signals"][0]  # type: ignore[index]
    assert signal["status"] == "failed"
    assert msg in signal["reason"]
    assert signal["order_status"] == "rejected"
    assert recent["trades_today"] == 0  # a refused order takes no slot


def test_clock_error_is_resynced_and_sent_once_more(
    db_url: str, start_webhook: StartWebhook, simulator: SimulatorHandle
) -> None:
    webhook = start_webhook(db_url)
    _refuse_next_order(simulator, -1021, "Timestamp for this request is outside of the recvWindow.")
    post(webhook.url, alert(id="c-1"))
    webhook.drain()
    posts = [r for r in simulator.requests_log(path="/api/v3/order") if r["method"] == "POST"]
    assert [p["code"] for p in posts] == [-1021, None]
    assert len(simulator.requests_log(path="/api/v3/time")) >= 2  # the start sync + the resync
    assert len(orders_placed(simulator)) == 1


def test_unknown_outcome_is_reconciled_later_without_a_second_order(
    db_url: str, start_webhook: StartWebhook, simulator: SimulatorHandle, tmp_path: Path
) -> None:
    fast = TraderOptions(
        mode="testnet",
        limits=RiskLimits(min_confidence=Decimal(0), max_trade_usdt=Decimal(100)),
        lookup_delay_s=0.05,
        stale_after=timedelta(seconds=5),
        reconcile_every_s=0.2,
    )
    webhook = start_webhook(db_url, build={"options": fast})
    # The order is placed but its answer is lost, and the lookups fail for a while: three
    # lookups of three attempts each (reads are retried) at once, then one more lookup later.
    simulator.set_faults(
        endpoint="/api/v3/order", method="POST", status=504, after_processing=True, times=1
    )
    simulator.add_fault(endpoint="/api/v3/order", method="GET", status=503, times=12)
    post(webhook.url, alert(id="later-1"))
    webhook.drain()
    assert _status(webhook.url)["recent_signals"][0]["order_status"] == "unknown"  # type: ignore[index]
    assert wait_until(
        lambda: _status(webhook.url)["recent_signals"][0]["order_status"] == "filled",  # type: ignore[index]
        timeout_s=10,
    )
    assert len(orders_placed(simulator)) == 1
    log = simulator.requests_log(path="/api/v3/order")
    assert [r["status"] for r in log if r["method"] == "GET"] == [503] * 12 + [200]
