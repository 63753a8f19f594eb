"""Safe by default: loopback or a token, security headers, read-only, no CORS, no rebinding."""

from __future__ import annotations

import base64

import httpx
import pytest
from pydantic import SecretStr

from binfolio.adapters.storage.dashboard_repo import DashboardRepo
from binfolio.adapters.storage.database import make_engine, make_session_factory
from binfolio.entrypoints.web.dashboard import DashboardOptions, create_dashboard_app
from binfolio.entrypoints.web.security import (
    InsecureBindError,
    is_loopback,
    require_token_off_loopback,
)
from tests.web.conftest import MakeClient
from tests.web.history import History

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - what these tests expect to be refused
TOKEN = "correct-horse-battery-staple"


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.53", "::1", "[::1]", "localhost"])
def test_loopback_hosts_need_no_token(host: str) -> None:
    assert is_loopback(host)
    require_token_off_loopback(host, None, key="dashboard.token")


@pytest.mark.parametrize("host", [ALL_INTERFACES, "::", "192.168.1.20", "dashboard.example.org"])
def test_other_hosts_refuse_to_start_without_a_token(host: str, db_url: str) -> None:
    engine = make_engine(db_url)
    repo = DashboardRepo(make_session_factory(engine))
    with pytest.raises(
        InsecureBindError, match=r"refusing to listen on .* without dashboard\.token"
    ):
        create_dashboard_app(repo, DashboardOptions(host=host))
    with pytest.raises(InsecureBindError):
        create_dashboard_app(repo, DashboardOptions(host=host, token=SecretStr("")))
    app = create_dashboard_app(repo, DashboardOptions(host=host, token=SecretStr(TOKEN)))
    assert app.title == "binfolio dashboard"
    engine.dispose()


async def test_with_a_token_every_page_and_api_call_needs_it(
    history: History, make_client: MakeClient
) -> None:
    client = make_client(
        history.url,
        base_url="http://192.168.1.20:8000",
        host=ALL_INTERFACES,
        token=SecretStr(TOKEN),
    )
    for path in (
        "/",
        "/accounts/main",
        "/api/accounts",
        "/api/accounts/main/series",
        "/docs",
        "/openapi.json",
        "/api/logs/stream",
        "/api/events",
    ):
        refused = await client.get(path)
        assert refused.status_code == 401, path
        assert refused.headers["www-authenticate"].startswith("Basic realm=")
    wrong = await client.get("/api/accounts", headers={"Authorization": f"Bearer {TOKEN}x"})
    assert wrong.status_code == 401
    bearer = await client.get("/api/accounts", headers={"Authorization": f"Bearer {TOKEN}"})
    assert bearer.status_code == 200
    browser = await client.get("/", headers={"Authorization": basic("me", TOKEN)})
    assert browser.status_code == 200
    assert "Portfolio" in browser.text
    garbage = await client.get("/", headers={"Authorization": "Basic !!!"})
    assert garbage.status_code == 401
    # Health and the static files tell nothing private.
    assert (await client.get("/health")).status_code == 200
    assert (await client.get("/static/dashboard.css")).status_code == 200


async def test_a_token_is_honoured_on_loopback_too(
    history: History, make_client: MakeClient
) -> None:
    client = make_client(history.url, token=SecretStr(TOKEN))
    assert (await client.get("/api/accounts")).status_code == 401
    ok = await client.get("/api/accounts", headers={"Authorization": basic("", TOKEN)})
    assert ok.status_code == 200


async def test_without_a_token_only_loopback_names_are_answered(
    history: History, make_client: MakeClient
) -> None:
    for base in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"):
        assert (await make_client(history.url, base_url=base).get("/")).status_code == 200
    rebound = make_client(history.url, base_url="http://attacker.example:8000")
    response = await rebound.get("/api/accounts")
    assert response.status_code == 400
    assert "unknown host 'attacker.example'" in response.text


async def test_every_response_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    for path in ("/", "/accounts/main", "/api/accounts", "/health", "/nothing-here"):
        headers = (await client.get(path)).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self';" in csp, path
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"


async def test_pages_have_no_inline_script_or_style(client: httpx.AsyncClient) -> None:
    for path in ("/", "/accounts/main", "/accounts/nobody"):
        page = (await client.get(path)).text
        assert "<script>" not in page
        assert "<script src=" in page or path == "/accounts/nobody"
        assert " style=" not in page
        assert " on" + "click=" not in page


async def test_no_cors_and_no_writes(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/accounts", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        refused = await client.request(method, "/api/accounts")
        assert refused.status_code == 405, method
    preflight = await client.options(
        "/api/accounts",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers


async def test_an_empty_token_is_no_token_and_keeps_the_host_check(
    history: History, make_client: MakeClient
) -> None:
    rebound = make_client(history.url, base_url="http://attacker.example:8000", token=SecretStr(""))
    response = await rebound.get("/api/accounts")
    assert response.status_code == 400
    assert "unknown host 'attacker.example'" in response.text
