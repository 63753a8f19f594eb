"""Debian's chromium driven by Playwright; never a downloaded browser.

``make browser-deps`` installs chromium. Without it these tests skip on a laptop and fail when
``CI=true``, like the PostgreSQL tests.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (CI runs as root), no GPU, and nothing that phones home: the test asserts that
# every request the page makes goes to 127.0.0.1.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "build" / "screenshots"


def require_chromium() -> None:
    """Skip, or fail under CI, when Debian's chromium is not installed."""
    if CHROMIUM.is_file():
        return
    message = f"{CHROMIUM} not found: run `make browser-deps` (apt-get install chromium)"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: browser tests must run)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """A headless chromium for the module's tests."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def screenshots() -> Path:
    """``build/screenshots`` (created); screenshots a reviewer can look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
