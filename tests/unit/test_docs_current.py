"""docs/configuration.md is generated from the settings model and must be current."""

from __future__ import annotations

from pathlib import Path

from binfolio.config_docs import render

DOC = Path(__file__).parents[2] / "docs" / "configuration.md"


def test_configuration_reference_is_current() -> None:
    assert DOC.read_text() == render(), "docs/configuration.md is stale: run `make docs`"


def test_configuration_reference_lists_every_section() -> None:
    text = render()
    for key in ("binance.base_url", "database.url", "collector.deadline_s", "accounts[].name"):
        assert f"`{key}`" in text
