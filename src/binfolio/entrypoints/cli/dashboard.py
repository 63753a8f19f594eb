"""`binfolio dashboard`: the web dashboard alone, served by uvicorn (``serve`` mounts it too)."""

from __future__ import annotations

import typer
from rich.markup import escape

from binfolio.entrypoints.cli.common import EXIT_CONFIG, console, err_console, opened
from binfolio.entrypoints.web.server import GRACEFUL_SHUTDOWN_S


def dashboard(
    ctx: typer.Context,
    host: str | None = typer.Option(
        None, "--host", help="Bind address (default: dashboard.host, 127.0.0.1)."
    ),
    port: int | None = typer.Option(
        None, "--port", min=1, max=65535, help="TCP port (default: dashboard.port, 8000)."
    ),
) -> None:
    """Serve the read-only web dashboard: NAV against the benchmark, holdings, flows, runs, logs.

    Off loopback it requires dashboard.token (BINFOLIO_DASHBOARD__TOKEN) and refuses to start
    without it.
    """
    from dataclasses import replace

    import uvicorn

    from binfolio.adapters.storage.dashboard_repo import DashboardRepo
    from binfolio.entrypoints.web.dashboard import create_dashboard_app, options_from_settings
    from binfolio.entrypoints.web.security import InsecureBindError

    with opened(ctx) as app:
        settings = app.settings
        options = options_from_settings(settings)
        options = replace(options, host=host or options.host)
        bind_port = port or settings.dashboard.port
        try:
            web = create_dashboard_app(DashboardRepo(app.session_factory), options)
        except InsecureBindError as exc:
            err_console.print(f"[red]✗[/] {escape(str(exc))}", highlight=False)
            raise typer.Exit(EXIT_CONFIG) from None
        shown = f"[{options.host}]" if ":" in options.host else options.host
        console.print(f"binfolio dashboard on http://{shown}:{bind_port}", highlight=False)
        if options.token is not None:
            console.print("  sign in with any user name and the dashboard token as password")
        server = uvicorn.Server(
            uvicorn.Config(
                web,
                host=options.host,
                port=bind_port,
                log_level="warning",
                server_header=False,
                timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
            )
        )
        try:
            server.run()
        except KeyboardInterrupt:  # uvicorn re-raises Ctrl-C after its graceful shutdown
            console.print("dashboard stopped")


def register(app: typer.Typer) -> None:
    """Add `dashboard` to the root command."""
    app.command("dashboard")(dashboard)
