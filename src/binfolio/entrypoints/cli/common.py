"""What every command shares: opening the app from ``--config`` and reporting config errors.

Use in a command::

    def snapshot(ctx: typer.Context, ...) -> None:
        app = open_or_exit(ctx)          # exits 2 with each problem and its fix
        accounts = accounts_or_exit(app) # likewise for missing credentials
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from binfolio.entrypoints.cli import heap

if TYPE_CHECKING:  # imported on use: `binfolio --help` must not pay for pydantic and SQLAlchemy
    from binfolio.bootstrap import App
    from binfolio.config_load import ConfigProblem
    from binfolio.services.accounts.registry import ResolvedAccount

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_CONFIG = 2

console = Console()
# Error lines carry commands and paths to copy: never hard-wrap them.
err_console = Console(stderr=True, soft_wrap=True)


def config_path(ctx: typer.Context) -> Path | None:
    """The ``--config`` given to the root command (or ``BINFOLIO_CONFIG``)."""
    root = ctx.find_root()
    value = root.obj
    return value if isinstance(value, Path) else None


def print_problems(problems: list[ConfigProblem], title: str = "Configuration problems") -> None:
    """Print each problem with its fix, on stderr."""
    err_console.print(f"[bold red]{title}:[/]")
    for problem in problems:
        err_console.print(
            f"  [red]✗[/] {escape(problem.key)}: {escape(problem.problem)}", highlight=False
        )
        err_console.print(f"    [dim]fix:[/] {escape(problem.fix)}", highlight=False)


def open_or_exit(
    ctx: typer.Context, *, log_to_file: bool = True, console_level: str | None = None
) -> App:
    """The wired app, or exit 2 listing every configuration problem."""
    from binfolio.bootstrap import open_app
    from binfolio.config_load import ConfigError

    try:
        app = open_app(
            config_path(ctx),
            console=err_console,
            log_to_file=log_to_file,
            console_level=console_level,
        )
    except ConfigError as exc:
        print_problems(exc.problems)
        raise typer.Exit(EXIT_CONFIG) from None
    heap.started()  # the command has imported what it needs
    return app


def accounts_or_exit(app: App, only: frozenset[str] = frozenset()) -> list[ResolvedAccount]:
    """Resolved credentials, or exit 2 listing what is missing."""
    from binfolio.config_load import ConfigError

    try:
        return app.accounts(only)
    except ConfigError as exc:
        print_problems(exc.problems, "Account problems")
        raise typer.Exit(EXIT_CONFIG) from None


@contextmanager
def opened(
    ctx: typer.Context, *, log_to_file: bool = True, console_level: str | None = None
) -> Iterator[App]:
    """``with opened(ctx) as app:`` — opens the app and always releases the database."""
    app = open_or_exit(ctx, log_to_file=log_to_file, console_level=console_level)
    try:
        yield app
    finally:
        app.close()


def require_schema(app: App) -> None:
    """Exit 2 unless the database is reachable and at the newest migration."""
    from binfolio.adapters.storage.schema import schema_status

    status = schema_status(app.engine)
    if status.error is not None:
        err_console.print(f"[red]✗[/] cannot connect to {status.url}: {escape(status.error)}")
        err_console.print(
            "  fix: check DATABASE_URL / [database] url; `binfolio doctor`", markup=False
        )
        raise typer.Exit(EXIT_CONFIG)
    if not status.ok:
        err_console.print(
            f"[red]✗[/] the database is at migration {status.current or '(empty)'}, binfolio "
            f"needs {status.head}: run `binfolio db upgrade` (or `binfolio init` for a new "
            "database)"
        )
        raise typer.Exit(EXIT_CONFIG)
