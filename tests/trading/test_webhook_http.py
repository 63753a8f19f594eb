"""POST /webhook over real HTTP: the 4xx answers and their messages, text/plain bodies, the
secret, the IP allowlist, and the status, pause, resume and health routes."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx

from binfolio.domain.clock import utc_now
from binfolio.simulator.testing import SimulatorHandle, wait_until
from tests.trading.conftest import StartWebhook
from tests.trading.support import SECRET, alert, orders_placed, post

BEARER = {"Authorization": f"Bearer {SECRET}"}


def status(url: str) -> dict[str, object]:
    response = httpx.get(f"{url}/status", headers=BEARER, timeout=10)
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_bad_requests_answer_4xx_with_a_message_and_store_nothing(
    sqlite_url: str, start_webhook: StartWebhook
) -> None:
    url = start_webhook(sqlite_url).url
    cases = [
        (alert(secret="wrong"), None, 401, "wrong or missing secret"),
        ({k: v for k, v in alert().items() if k != "secret"}, None, 401, "wrong or missing"),
        ({"symbol": "BTCUSDT", "side": "BUY"}, {"Authorization": "Bearer nope"}, 401, "secret"),
        ("BUY BTCUSDT now", None, 400, "the body is not JSON"),
        (b"\xff\xfe{", None, 400, "the body is not JSON"),
        ("[1, 2]", None, 400, "must be a JSON object, not list"),
        ("[" * 5000 + "]" * 5000, None, 400, "not JSON"),
        ('{"symbol": "BTCUSDT", "side": "BUY", "x": NaN}', None, 400, "not JSON"),
        ('{"symbol": "BTCUSDT", "side": "BUY", "strategy": "\\ud800"}', None, 400, "not JSON"),
        (alert(strategy="ema\u0000cross"), None, 422, "strategy: Value error, must not contain"),
        (json.dumps(alert(note="x" * 17000)), None, 413, "over 16384 bytes"),
        (alert(symbol="BTC/USDT"), None, 422, "symbol: String should match pattern"),
        (alert(side="HOLD"), None, 422, "side: Input should be 'BUY' or 'SELL'"),
        (alert(confidence="high"), None, 422, "confidence: Input should be a valid decimal"),
        (alert(order_type="LIMIT"), None, 422, "a LIMIT order needs a price"),
    ]
    for body, headers, code, message in cases:
        response = post(url, body, headers=headers)
        assert response.status_code == code, (body, response.text)
        assert message in response.json()["detail"], response.text
    assert status(url)["recent_signals"] == []


def test_text_plain_body_holding_json_is_accepted_and_traded(
    sqlite_url: str, start_webhook: StartWebhook, simulator: SimulatorHandle
) -> None:
    webhook = start_webhook(sqlite_url)
    body = json.dumps(alert(id="tv-1", strategy="ema-cross", timeframe="15m", confidence=75))
    response = post(webhook.url, body, headers={"Content-Type": "text/plain; charset=utf-8"})
    assert response.status_code == 200
    assert response.json() == {"status": "accepted", "signal_id": "1", "reason": "accepted"}
    webhook.drain()
    assert len(orders_placed(simulator)) == 1
    recent = status(webhook.url)["recent_signals"]
    assert recent[0]["status"] == "executed"
    assert recent[0]["order_status"] == "filled"


def test_bearer_secret_is_accepted_in_place_of_the_body_secret(
    sqlite_url: str, start_webhook: StartWebhook
) -> None:
    url = start_webhook(sqlite_url).url
    body = {k: v for k, v in alert().items() if k != "secret"}
    assert post(url, body, headers=BEARER).json()["status"] == "accepted"


def test_pause_rejects_at_once_and_resume_trades_again(
    sqlite_url: str, start_webhook: StartWebhook, simulator: SimulatorHandle
) -> None:
    webhook = start_webhook(sqlite_url)
    url = webhook.url
    assert httpx.post(f"{url}/pause", timeout=10).status_code == 401
    paused = httpx.post(f"{url}/pause", headers=BEARER, json={"reason": "news"}, timeout=10)
    assert paused.json() == {"paused": True, "reason": "news"}
    answer = post(url, alert(id="p1")).json()
    assert answer["status"] == "rejected"
    assert answer["reason"] == "trading is paused"
    assert status(url)["paused"] is True
    assert httpx.post(f"{url}/resume", headers=BEARER, timeout=10).json() == {"paused": False}
    assert post(url, alert(id="p2")).json()["status"] == "accepted"
    webhook.drain()
    assert len(orders_placed(simulator)) == 1


def test_status_needs_the_secret_and_health_does_not(
    sqlite_url: str, start_webhook: StartWebhook
) -> None:
    url = start_webhook(sqlite_url, risk__max_trades_per_day=7).url
    assert httpx.get(f"{url}/status", timeout=10).status_code == 401
    assert httpx.get(f"{url}/health", timeout=10).json() == {"status": "ok"}
    shown = status(url)
    assert shown["mode"] == "testnet"
    assert shown["trades_today"] == 0
    assert shown["limits"]["max_trades_per_day"] == 7  # type: ignore[index]
    probe = shown["probe"]
    assert all(probe[step]["ok"] for step in ("ping", "time", "exchange_info", "account"))  # type: ignore[index]


def test_ip_allowlist_uses_the_peer_unless_a_trusted_proxy_forwards(
    sqlite_url: str, start_webhook: StartWebhook
) -> None:
    closed = start_webhook(sqlite_url, webhook__allowed_ips='["tradingview"]').url
    refused = post(closed, alert())
    assert refused.status_code == 403
    assert "webhook.allowed_ips" in refused.json()["detail"]
    # A client cannot talk its way in with a header when no proxy is trusted.
    spoofed = post(closed, alert(), headers={"X-Forwarded-For": "52.89.214.238"})
    assert spoofed.status_code == 403
    proxied = start_webhook(
        sqlite_url,
        webhook__allowed_ips='["tradingview"]',
        webhook__trusted_proxies='["127.0.0.1"]',
    ).url
    via_proxy = {"X-Forwarded-For": "10.0.0.9, 52.89.214.238"}
    assert post(proxied, alert(id="x1"), headers=via_proxy).status_code == 200
    # The right-most untrusted hop is the client: a forged left-most TradingView address fails.
    forged = {"X-Forwarded-For": "52.89.214.238, 10.0.0.9"}
    assert post(proxied, alert(id="x2"), headers=forged).status_code == 403


def test_stale_signal_is_rejected_with_its_age(
    sqlite_url: str, start_webhook: StartWebhook
) -> None:
    url = start_webhook(sqlite_url, webhook__max_signal_age_s=30).url
    old = (utc_now() - timedelta(hours=1)).isoformat()
    answer = post(url, alert(sent_at=old)).json()
    assert answer["status"] == "rejected"
    assert "stale signal: sent 360" in answer["reason"]
    fresh = post(url, alert(sent_at=utc_now().isoformat())).json()
    assert fresh["status"] == "accepted"
    assert wait_until(lambda: status(url)["queued"] == 0)
