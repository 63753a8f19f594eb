"""The README's commands run, so the README cannot rot.

What is extracted, explicitly: in fenced code blocks marked ``sh`` (indented ones in lists
included), every line that starts with ``binfolio``. Blocks without ``sh`` (the ``make`` quick
start, JSON, the layout) are not commands to run here; ``make demo`` is covered by
``tests/cli/test_demo.py`` and the Makefile check below. The commands run in order, in one fresh
directory and environment, as a newcomer would type them; those that need a real Binance key or
run until stopped are listed in ``NEEDS_BINANCE`` with the reason and only checked to exist.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from tests.cli.conftest import RunCli

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

NEEDS_BINANCE = {
    "binfolio accounts add main": "prompts for a real Binance API key and secret",
    "binfolio snapshot": "reads the configured accounts on Binance",
    "binfolio serve": "runs until stopped and reads Binance on its schedule",
}

_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>\S*)\s*$")


def readme_commands(text: str) -> list[str]:
    """The ``binfolio …`` lines of the ``sh`` blocks of ``text``, in order."""
    commands: list[str] = []
    language: str | None = None
    for line in text.splitlines():
        fence = _FENCE.match(line)
        if fence:
            language = None if language is not None else fence["lang"]
            continue
        if language == "sh" and line.strip().startswith("binfolio"):
            commands.append(line.strip())
    return commands


def test_the_extraction_takes_only_binfolio_lines_of_sh_blocks() -> None:
    text = "\n".join(
        [
            "```",
            "binfolio not-sh",
            "```",
            "  ```sh",
            "  binfolio --help",
            "  make demo",
            "  ```",
            "```json",
            '{"binfolio": 1}',
            "```",
        ]
    )

    assert readme_commands(text) == ["binfolio --help"]


def test_every_readme_command_runs_offline(run_cli: RunCli, tmp_path: Path) -> None:
    commands = readme_commands(README.read_text(encoding="utf-8"))
    assert "binfolio init" in commands
    assert "binfolio doctor" in commands
    missing = set(NEEDS_BINANCE) - set(commands)
    assert not missing, f"NEEDS_BINANCE lists commands the README no longer shows: {missing}"

    ran = []
    for command in commands:
        if command in NEEDS_BINANCE:
            continue
        result = run_cli(*shlex.split(command)[1:])
        assert result.returncode == 0, f"{command}:\n{result.stdout}\n{result.stderr}"
        ran.append(command)

    assert len(ran) >= 6, ran
    assert (tmp_path / "work" / "binfolio.toml").is_file()  # `binfolio init` made the config
    assert (tmp_path / "work" / "snapshots.csv").is_file()  # and the export wrote its file


def test_make_demo_runs_the_demo() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "binfolio demo" in recipe


def test_every_document_the_readme_links_exists() -> None:
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(((?:docs|benchmarks|deploy)/[^)#\s]+)", text)
    assert targets
    for target in targets:
        assert (ROOT / target).exists(), target
