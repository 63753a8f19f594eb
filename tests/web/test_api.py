"""The JSON API and the pages: ranges, holdings, flows, runs, badges and empty states."""

from __future__ import annotations

import html
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import insert

from binfolio.adapters.storage.database import make_engine, make_session_factory
from binfolio.adapters.storage.models import AccountRow
from tests.web.conftest import END, NOW, MakeClient
from tests.web.history import History


async def test_a_preset_counts_back_from_now_and_from_to_take_dates(
    client: httpx.AsyncClient,
) -> None:
    week = (await client.get("/api/accounts", params={"range": "7d"})).json()
    assert week["until"] == NOW.isoformat().replace("+00:00", "Z")
    assert week["since"] == (NOW - timedelta(days=7)).isoformat().replace("+00:00", "Z")
    dates = await client.get("/api/accounts", params={"from": "2026-11-10", "to": "2026-11-12"})
    body = dates.json()
    assert body["since"] == "2026-11-10T00:00:00Z"
    assert body["until"] == "2026-11-13T00:00:00Z"  # a bare "to" date includes that whole day
    assert body["accounts"][0]["figures"]["intervals"] == 72


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"range": "7d", "from": "2026-11-01"}, "give range or from, not both"),
        ({"range": "fortnight"}, "unknown period 'fortnight'"),
        ({"from": "yesterday"}, "'yesterday' is not a date"),
        ({"from": "2026-11-12", "to": "2026-11-10"}, "is not before until"),
    ],
)
async def test_a_range_that_makes_no_sense_is_a_400_with_the_reason(
    client: httpx.AsyncClient, query: dict[str, str], message: str
) -> None:
    api = await client.get("/api/accounts/main/series", params=query)
    assert api.status_code == 400
    assert message in api.json()["detail"]
    page = await client.get("/accounts/main", params=query)
    assert page.status_code == 400
    assert message in html.unescape(page.text)
    assert page.headers["content-type"].startswith("text/html")


async def test_holdings_carry_price_sources_and_the_allocation_adds_up(
    client: httpx.AsyncClient,
) -> None:
    body = (await client.get("/api/accounts/savings/holdings")).json()
    assert body["status"] == "partial"
    assert body["unpriced"] == ["FOO"]
    sources = {(a["wallet"], a["asset"]): a["price_source"] for a in body["assets"]}
    assert sources[("spot", "FOO")] == "unpriced"
    assert sources[("spot", "BTC")] == "usdt"
    total = sum(Decimal(a["value_usdt"]) for a in body["assets"])
    assert sum(Decimal(s["value_usdt"]) for s in body["by_wallet"]) == total
    assert sum(Decimal(s["value_usdt"]) for s in body["by_asset"]) == total
    assert {s["name"] for s in body["by_wallet"]} == {
        "spot",
        "funding",
        "earn_flexible",
        "earn_locked",
        "futures",
    }
    assert body["by_asset"][0]["name"] == "BTC"  # largest first
    assert sum(Decimal(s["share"]) for s in body["by_asset"]) == pytest.approx(Decimal(1))


async def test_flows_and_runs_of_the_range_newest_first(client: httpx.AsyncClient) -> None:
    query = {"from": (END - timedelta(days=9)).isoformat(), "to": END.isoformat()}
    flows = (await client.get("/api/accounts/main/flows", params=query)).json()["flows"]
    # Every 4 days from 2 days after the first snapshot: a deposit 1 d 23 h before the end, a
    # withdrawal (fee 1 USDT) 5 d 23 h before it; the deposit 9 d 23 h before is outside.
    assert [(f["kind"], f["fee"]) for f in flows] == [("deposit", "0"), ("withdrawal", "1")]
    assert flows[0]["time"] > flows[1]["time"]
    limited = (await client.get("/api/accounts/main/flows", params={"limit": 1})).json()
    assert len(limited["flows"]) == 1
    assert limited["truncated"] is True
    runs = (await client.get("/api/accounts/main/runs", params={"limit": 3})).json()["runs"]
    assert len(runs) == 3
    assert runs[0]["started_at"] > runs[1]["started_at"]
    assert (runs[0]["requests"], runs[0]["weight"], runs[0]["duration_ms"]) == (4, 86, 180)
    assert runs[0]["run_requests"] == 9


async def test_badges_come_from_the_latest_snapshot(
    history: History, make_client: MakeClient
) -> None:
    client = make_client(history.url, circuit_states=lambda: {"main": "open", "savings": "closed"})
    accounts = {
        a["name"]: a["status"] for a in (await client.get("/api/accounts")).json()["accounts"]
    }
    main, savings = accounts["main"], accounts["savings"]
    assert (main["partial"], main["drift"], main["unpriced"], main["stale"]) == (
        False,
        False,
        [],
        False,
    )
    assert main["circuit"] == "open"
    assert savings["partial"] is True
    assert savings["reasons"] == ["futures: HTTP 503 from /fapi/v2/account"]
    assert savings["unpriced"] == ["FOO"]
    assert (savings["drift"], savings["drift_pct"]) == (True, "2.4")
    assert savings["circuit"] == "closed"
    page = (await client.get("/")).text
    for badge in ("circuit open", "partial", "unpriced: FOO", "drift"):
        assert badge in page


async def test_an_account_is_stale_once_its_last_complete_snapshot_is_too_old(
    history: History, make_client: MakeClient
) -> None:
    later = make_client(history.url, clock=lambda: NOW + timedelta(hours=3))
    statuses = {
        a["name"]: a["status"] for a in (await later.get("/api/accounts")).json()["accounts"]
    }
    assert statuses["main"]["stale"] is True
    assert statuses["savings"]["stale"] is True  # its latest is partial; the complete one older
    fresh = make_client(history.url)
    statuses = {
        a["name"]: a["status"] for a in (await fresh.get("/api/accounts")).json()["accounts"]
    }
    assert statuses["main"]["stale"] is False


async def test_a_broken_circuit_hook_shows_no_badge_instead_of_failing(
    history: History, make_client: MakeClient
) -> None:
    def broken() -> dict[str, str]:
        raise RuntimeError("the service table is not there yet")

    client = make_client(history.url, circuit_states=broken)
    response = await client.get("/api/accounts")
    assert response.status_code == 200
    assert {a["status"]["circuit"] for a in response.json()["accounts"]} == {None}


async def test_pages_show_the_apis_numbers(client: httpx.AsyncClient) -> None:
    summary = (await client.get("/api/accounts/main/summary", params={"range": "30d"})).json()
    page = (await client.get("/accounts/main", params={"range": "30d"})).text
    figures = summary["account"]["figures"]
    for field in ("nav", "twr", "alpha", "max_drawdown", "benchmark_value"):
        assert f'data-field="{field}"' in page
        assert f'data-value="{figures[field]}"' in page
    overview = (await client.get("/")).text
    assert 'href="/accounts/main?range=30d"' in overview


async def test_unknown_accounts_are_404_for_the_api_and_the_pages(
    client: httpx.AsyncClient,
) -> None:
    for path in ("summary", "series", "holdings", "flows", "runs"):
        response = await client.get(f"/api/accounts/nobody/{path}")
        assert response.status_code == 404, path
        assert response.json()["detail"] == "no account named 'nobody'"
    page = await client.get("/accounts/nobody")
    assert page.status_code == 404
    assert "no account named 'nobody'" in html.unescape(page.text)


async def test_no_accounts_yet_renders_a_page_that_says_what_to_do(
    db_url: str, make_client: MakeClient
) -> None:
    client = make_client(db_url)
    page = await client.get("/")
    assert page.status_code == 200
    assert "No accounts yet" in page.text
    assert "binfolio snapshot" in page.text
    api = (await client.get("/api/accounts")).json()
    assert (api["accounts"], api["total"], api["newest_snapshot_id"]) == ([], None, 0)


async def test_an_account_without_snapshots_renders_with_empty_sections(
    db_url: str, make_client: MakeClient
) -> None:
    engine = make_engine(db_url)
    with make_session_factory(engine).begin() as session:
        session.execute(insert(AccountRow).values(name="fresh", created_at=NOW))
    engine.dispose()
    client = make_client(db_url)
    page = await client.get("/accounts/fresh")
    assert page.status_code == 200
    assert "no data yet" in page.text
    assert "No holdings yet" in page.text
    series = (await client.get("/api/accounts/fresh/series")).json()
    assert (series["total_points"], series["time"]) == (0, [])
    summary = (await client.get("/api/accounts/fresh/summary")).json()
    assert summary["account"]["figures"] is None
    assert summary["account"]["status"]["never_collected"] is True
    holdings = (await client.get("/api/accounts/fresh/holdings")).json()
    assert holdings["assets"] == []


async def test_a_database_never_migrated_gets_a_503_that_names_the_command(
    empty_db_url: str, make_client: MakeClient
) -> None:
    client = make_client(empty_db_url)
    page = await client.get("/")
    assert page.status_code == 503
    assert "binfolio db upgrade" in page.text
    api = await client.get("/api/accounts")
    assert api.status_code == 503
    assert api.json()["database"] == "empty"
    health = await client.get("/health")
    assert health.status_code == 503
    assert health.json() == {
        "status": "degraded",
        "database": "empty",
        "detail": "the database has no tables yet: run `binfolio db upgrade` (or `binfolio init`)",
    }


async def test_an_unreachable_database_gets_a_503_not_a_500(make_client: MakeClient) -> None:
    client = make_client("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1")
    page = await client.get("/")
    assert page.status_code == 503
    assert "cannot be reached" in page.text
    assert (await client.get("/health")).json()["database"] == "unreachable"


async def test_health_is_ok_on_a_ready_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "detail": None}


async def test_docs_and_openapi_are_served_locally(client: httpx.AsyncClient) -> None:
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert 'src="/vendor/swagger-ui-bundle.js"' in docs.text
    assert "<script>" not in docs.text  # no inline script
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in (
        "/api/accounts",
        "/api/accounts/{name}/summary",
        "/api/accounts/{name}/series",
        "/api/accounts/{name}/holdings",
        "/api/accounts/{name}/flows",
        "/api/accounts/{name}/runs",
        "/api/logs/stream",
        "/health",
    ):
        assert path in paths
    bundle = await client.get("/vendor/swagger-ui-bundle.js")
    assert bundle.status_code == 200


async def test_plotly_is_served_from_the_installed_package_compressed_and_cached(
    client: httpx.AsyncClient,
) -> None:
    first = await client.get("/vendor/plotly.min.js", headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200
    assert first.headers["content-encoding"] == "gzip"
    assert first.headers["content-type"].startswith("text/javascript")
    assert b"plotly.js" in first.content[:200]  # httpx undid the gzip
    again = await client.get(
        "/vendor/plotly.min.js", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304
    assert (await client.get("/vendor/secrets.txt")).status_code == 404
