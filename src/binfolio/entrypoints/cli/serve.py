"""`binfolio serve`: the always-on service — scheduled snapshots, dashboard and webhook.

``--role collector`` runs only the schedule (several on one PostgreSQL share the accounts),
``--role web`` only the servers, ``--role all`` (default) both. Exit 0 after SIGTERM/SIGINT,
2 on a configuration problem. See ``docs/service.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from binfolio.entrypoints.cli import heap
from binfolio.entrypoints.cli.common import (
    EXIT_CONFIG,
    EXIT_OK,
    accounts_or_exit,
    err_console,
    opened,
    require_schema,
)

if TYPE_CHECKING:
    from binfolio.bootstrap import App
    from binfolio.entrypoints.followups import Followups
    from binfolio.entrypoints.serve import ServeOptions


def serve(
    ctx: typer.Context,
    role: str = typer.Option(
        "all",
        "--role",
        help="all: schedule and servers; collector: the schedule only (scale-out); "
        "web: the dashboard and webhook servers only.",
    ),
) -> None:
    """Take snapshots on the schedule and run the dashboard and webhook, until stopped."""
    import asyncio
    import logging

    from binfolio.entrypoints.serve import ROLES, ServeOptions

    if role not in ROLES:
        err_console.print(f"[red]✗[/] --role {role}: choose one of {', '.join(ROLES)}")
        raise typer.Exit(EXIT_CONFIG)
    # httpx logs every request at INFO; each run's own summary says what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    with opened(ctx) as app:
        require_schema(app)
        # Fail fast on credentials; later a missing key only skips that account.
        if role != "web" and not accounts_or_exit(app):
            err_console.print(
                "[yellow]![/] no accounts configured yet: the schedule runs, and picks up "
                "accounts as they are added (`binfolio accounts add NAME`)"
            )
        followups = _followups(app, role)
        heap.started()  # everything is imported: collect normally for the months ahead
        asyncio.run(_serve(app, ServeOptions(role=role), followups))
    raise typer.Exit(EXIT_OK)


async def _serve(app: App, options: ServeOptions, followups: Followups) -> None:
    from binfolio.entrypoints.serve import serve_forever

    try:
        await serve_forever(
            app,
            options,
            hooks=followups.hooks,
            admit=followups.admit,
            on_failure=followups.on_failure,
        )
    finally:
        await followups.aclose()


def _followups(app: App, role: str) -> Followups:
    """Exports, circuit breakers and alerts after each run (a collector's job only)."""
    from binfolio.adapters.notify import NotifierConfigError
    from binfolio.entrypoints.followups import Followups, build_followups

    if role == "web":
        return Followups()
    try:
        return build_followups(app, breaker=True)
    except NotifierConfigError as exc:
        err_console.print(f"[red]✗[/] alerts.urls: {escape(str(exc))}")
        raise typer.Exit(EXIT_CONFIG) from None


def register(app: typer.Typer) -> None:
    """Add `serve` to the root command."""
    app.command("serve")(serve)
