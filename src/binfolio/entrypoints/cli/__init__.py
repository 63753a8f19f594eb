"""The ``binfolio`` command line: a thin shell over services (see ``bootstrap``).

Each command group lives in its own module with a ``register(app)`` function, listed in
``_COMMAND_MODULES``; commands import their heavy dependencies lazily so that ``--help`` and
``--version`` stay fast.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import typer

from binfolio import __version__
from binfolio.entrypoints.cli import heap

app = typer.Typer(
    name="binfolio",
    help="Monitor, log and trade your Binance accounts, self-hosted.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold secrets
)

# One line per command module; each defines register(app: typer.Typer) -> None.
_COMMAND_MODULES: list[str] = [
    "setup",
    "demo",
    "doctor",
    "accounts",
    "report",
    "simulator",
    "snapshot",
    "export",
    "serve",
    "health",
    "webhook",
    "dashboard",
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"binfolio {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        envvar="BINFOLIO_CONFIG",
        help="Path of binfolio.toml (default: ./binfolio.toml, then the user config directory).",
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Monitor, log and trade your Binance accounts, self-hosted."""
    ctx.obj = config


for _name in _COMMAND_MODULES:
    importlib.import_module(f"binfolio.entrypoints.cli.{_name}").register(app)


def main() -> None:
    """Console-script entry point."""
    heap.starting()
    try:
        app()
    finally:
        heap.exiting()
