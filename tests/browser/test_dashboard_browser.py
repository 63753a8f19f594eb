"""The dashboard in a real browser: overview, account switch, range change, drawn charts, the
API's numbers on the page, live refresh, no console error, no request beyond 127.0.0.1."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from binfolio.adapters.storage.database import make_engine, upgrade
from binfolio.domain.clock import utc_now
from binfolio.entrypoints.web.dashboard import formatting
from tests.browser.conftest import REPO
from tests.web.history import History, HistorySpec, add_snapshot, build_history
from tests.web.test_live import serving

KPI_FORMATS = {
    "nav": formatting.usdt,
    "benchmark_value": formatting.usdt,
    "excess_usdt": formatting.signed_usdt,
    "twr": formatting.signed_pct,
    "alpha": formatting.signed_pct,
    "max_drawdown": formatting.pct,
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, History]]:
    """Three accounts, 60 days of hourly history ending this hour, served on 127.0.0.1."""
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'binfolio.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    history = build_history(
        url,
        HistorySpec(
            accounts=("main", "savings", "trading"),
            hours=24 * 60,
            partial_last=frozenset({"trading"}),
            unpriced_last={"trading": ["FOO"]},
            drift_last=frozenset({"savings"}),
        ),
    )
    with serving(url, clock=utc_now) as base:
        yield base, history


class Watched:
    """A page with its console errors and the hosts of every request it made."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.urls: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.urls.append(r.url))


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield Watched(context.new_page())
    context.close()


def api(base: str, path: str, query: str) -> dict[str, Any]:
    response = httpx.get(f"{base}{path}?{query}", timeout=10)
    response.raise_for_status()
    result: dict[str, Any] = response.json()
    return result


def charts_drawn(page: Any, count: int = 1) -> None:
    page.wait_for_selector(f"body[data-charts-drawn='{count}']", state="attached", timeout=15_000)


def assert_figures_shown(page: Any, figures: dict[str, Any], scope: str) -> None:
    """Each KPI's data-value is the API's string and its text the same value formatted."""
    for field, shown in KPI_FORMATS.items():
        cell = page.locator(
            f"{scope} [data-field='{field}'] [data-value], "
            f"{scope} [data-field='{field}'][data-value]"
        ).first
        assert cell.get_attribute("data-value") == (figures[field] or ""), field
        assert cell.inner_text().strip() == shown(figures[field]), field


def assert_lines_drawn(page: Any, chart: str, minimum: int) -> None:
    lines = page.locator(f"#{chart} .scatterlayer path.js-line")  # not the legend's
    assert lines.count() >= minimum, chart
    for index in range(lines.count()):
        path = lines.nth(index).get_attribute("d") or ""
        assert path.count("L") > 10, f"{chart} line {index} is empty: {path[:40]!r}"


def test_overview_account_switch_and_range_change(
    site: tuple[str, History], watched: Watched, screenshots: Path
) -> None:
    base, history = site
    page = watched.page

    page.goto(base + "/")
    query = page.locator("body").get_attribute("data-api-query")
    overview = api(base, "/api/accounts", query)
    rows = page.locator("#accounts-table tbody tr")
    assert rows.count() == 3
    for account in overview["accounts"]:
        row = f"#accounts-table tr[data-account='{account['name']}']"
        assert_figures_shown(page, account["figures"], row)
    assert_figures_shown(page, overview["total"], "#total-kpis")
    assert page.locator("tr[data-account='trading'] .badge", has_text="partial").count() == 1
    assert page.locator("tr[data-account='trading'] .badge", has_text="unpriced: FOO").count() == 1
    assert page.locator("tr[data-account='savings'] .badge", has_text="drift").count() == 1
    page.screenshot(path=str(screenshots / "overview.png"), full_page=True)

    # Switch to an account with the account selector.
    page.select_option("#account-switch", "savings")
    page.wait_for_url("**/accounts/savings?range=30d")
    charts_drawn(page)
    query = page.locator("body").get_attribute("data-api-query")
    summary = api(base, "/api/accounts/savings/summary", query)["account"]["figures"]
    assert_figures_shown(page, summary, "#account-kpis")
    assert_lines_drawn(page, "chart-nav", 2)
    assert_lines_drawn(page, "chart-twr", 2)
    assert page.locator("#chart-assets path.surface").count() >= 5
    assert page.locator("#chart-wallets path.surface").count() == 5
    series = api(base, "/api/accounts/savings/series", query)
    assert series["total_points"] == 24 * 30 + 1 or series["total_points"] == 24 * 30
    holdings = page.locator("#holdings tbody tr")
    assert holdings.count() == 8
    page.screenshot(path=str(screenshots / "account.png"), full_page=True)

    # Change the range with a preset button: the URL says so, the numbers follow.
    page.click(".segmented a[data-range='7d']")
    page.wait_for_url("**/accounts/savings?range=7d")
    charts_drawn(page)
    query = page.locator("body").get_attribute("data-api-query")
    since = parse_qs(query)["from"][0]
    until = parse_qs(query)["to"][0]
    assert Decimal(str((_time(until) - _time(since)) / timedelta(days=1))) == 7
    summary = api(base, "/api/accounts/savings/summary", query)["account"]["figures"]
    assert_figures_shown(page, summary, "#account-kpis")
    assert summary["intervals"] == 24 * 7

    # Custom dates from the form, bookmarkable.
    first = history.times[0].date() + timedelta(days=3)
    last = history.times[0].date() + timedelta(days=20)
    page.fill(".custom-range input[name='from']", first.isoformat())
    page.fill(".custom-range input[name='to']", last.isoformat())
    page.click(".custom-range button")
    page.wait_for_url(f"**/accounts/savings?from={first}&to={last}")
    charts_drawn(page)
    query = page.locator("body").get_attribute("data-api-query")
    summary = api(base, "/api/accounts/savings/summary", query)["account"]["figures"]
    assert_figures_shown(page, summary, "#account-kpis")
    assert summary["intervals"] == 24 * 18

    assert watched.errors == []
    assert {urlparse(u).hostname for u in watched.urls} == {"127.0.0.1"}


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_new_snapshot_appears_without_a_reload(
    site: tuple[str, History], watched: Watched
) -> None:
    base, history = site
    page = watched.page
    page.goto(base + "/accounts/savings?range=7d")
    charts_drawn(page)
    page.wait_for_selector("#live-status[data-state='open']", timeout=10_000)
    page.evaluate("() => { window.__sameDocument = true; }")
    before = page.locator("#account-kpis [data-field='nav'] [data-value]").get_attribute(
        "data-value"
    )
    new_nav = (Decimal(before or "0") + Decimal("12.34")).quantize(Decimal("0.01"))
    # A snapshot taken now: after the history's last one (at 5 s past this hour), not after
    # the "until" of the page's refresh.
    while (moment := datetime.now(UTC)) <= history.times[-1]:
        time.sleep(0.5)
    add_snapshot(history.url, history.account_ids["savings"], moment, new_nav)
    page.wait_for_selector("body[data-refreshed='1']", state="attached", timeout=15_000)
    charts_drawn(page, 2)
    nav = page.locator("#account-kpis [data-field='nav'] [data-value]")
    assert nav.get_attribute("data-value") == str(new_nav) != before
    assert nav.inner_text() == formatting.usdt(new_nav)
    assert page.evaluate("() => window.__sameDocument") is True  # no reload happened
    assert watched.errors == []


def test_dark_mode_follows_the_system(
    site: tuple[str, History], browser: Any, screenshots: Path
) -> None:
    base, _ = site
    context = browser.new_context(viewport={"width": 1440, "height": 900}, color_scheme="dark")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.goto(base + "/accounts/main?range=90d")
    charts_drawn(page)
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(11, 16, 24)"
    page.screenshot(path=str(screenshots / "account-dark.png"))
    page.goto(base + "/accounts/main?range=30d")
    charts_drawn(page)
    context.close()
    assert errors == []


def test_readme_screenshot(site: tuple[str, History], browser: Any, screenshots: Path) -> None:
    """The picture in the README: the account page's top, light mode."""
    base, _ = site
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    page.goto(base + "/accounts/main?range=30d")
    charts_drawn(page)
    page.wait_for_timeout(300)  # plotly's hover layer settles
    shot = screenshots / "dashboard.png"
    charts = page.locator(".grid-2").first.bounding_box()
    assert charts is not None
    bottom = charts["y"] + charts["height"] + 24  # down to the TWR and allocation cards
    page.screenshot(
        path=str(shot), full_page=True, clip={"x": 0, "y": 0, "width": 1440, "height": bottom}
    )
    context.close()
    images = REPO / "docs" / "images"
    images.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, images / "dashboard.png")
    assert (images / "dashboard.png").stat().st_size > 50_000
