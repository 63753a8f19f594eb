"""Figure tables: the wide layout when it fits, turned on its side when not, never cut short."""

from __future__ import annotations

from rich.console import Console

from binfolio.entrypoints.cli.tables import FigureTable, fitted

FIGURES = FigureTable(
    title="run",
    key_header="Account",
    headers=("NAV (USDT)", "Spot", "Futures", "Unpriced"),
    rows=[
        ("main", ["71,401.23", "57,771.10", "3,089.97", "—"]),
        ("trading", ["10,171.00", "9,071.00", "1,000.00", "FOO, BAR"]),
    ],
    left_aligned=frozenset({"Unpriced"}),
)


def _render(width: int, figures: FigureTable = FIGURES) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(fitted(figures, console))
    return console.export_text().splitlines()


def test_a_wide_terminal_gets_a_row_per_account() -> None:
    lines = _render(120)

    header = next(line for line in lines if "Account" in line)
    assert all(column in header for column in FIGURES.headers)
    assert any("main" in line and "71,401.23" in line and "3,089.97" in line for line in lines)


def test_a_narrow_terminal_gets_a_row_per_figure_with_every_figure_whole() -> None:
    lines = _render(50)

    assert max(len(line) for line in lines) <= 50
    assert any("main" in line and "trading" in line for line in lines)
    nav = next(line for line in lines if "NAV (USDT)" in line)
    assert "71,401.23" in nav
    assert "10,171.00" in nav
    assert "FOO, BAR" in "\n".join(lines)


def test_too_narrow_for_either_layout_folds_cells_rather_than_cutting_them() -> None:
    one_account = FigureTable("run", "Account", ("NAV (USDT)",), [("main", ["71,401.23"])])

    lines = _render(14, one_account)

    assert "…" not in "\n".join(lines)
    digits = "".join(ch for line in lines for ch in line if ch.isdigit())
    assert "7140123" in digits  # 71,401.23 folded over lines, every digit kept
