"""Every command and group has help text; --version and usage errors behave."""

from __future__ import annotations

from typing import Any

import typer.main
from typer.testing import CliRunner

from binfolio import __version__
from binfolio.entrypoints.cli import app


def _walk(command: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    """Typer vendors its own click, so walk by duck typing rather than click's classes."""
    found = [(path, command)]
    if hasattr(command, "commands"):
        for name, sub in command.commands.items():
            found += _walk(sub, (*path, name))
    return found


def test_every_command_has_help_text() -> None:
    root = typer.main.get_command(app)
    runner = CliRunner()

    commands = _walk(root, ())

    assert len(commands) >= 7
    for path, command in commands:
        assert (command.help or "").strip(), f"binfolio {' '.join(path)} has no help text"
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        assert "Usage" in result.output
        for param in command.params:
            if param.param_type_name == "option" and not getattr(param, "hidden", False):
                assert (param.help or "").strip(), f"{' '.join(path)} {param.opts} lacks help"


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])

    assert result.exit_code == 0
    assert result.output.strip() == f"binfolio {__version__}"


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["frobnicate"])

    assert result.exit_code == 2
