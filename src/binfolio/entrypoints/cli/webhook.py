"""``binfolio webhook``: the TradingView webhook trader alone, until Ctrl-C.

Binds ``[webhook] host:port`` (127.0.0.1:8001 by default), trades in ``[trading] mode``
(paper unless configured), and refuses to start without ``webhook.secret`` or, in live mode,
without ``trading.live_confirm``. See docs/trading.md.
"""

from __future__ import annotations

import sys

import typer

from binfolio.entrypoints.cli import heap
from binfolio.entrypoints.cli.common import (
    EXIT_CONFIG,
    err_console,
    opened,
    print_problems,
    require_schema,
)


def register(app: typer.Typer) -> None:
    """Add the ``webhook`` command to ``app``."""

    @app.command("webhook")
    def webhook(
        ctx: typer.Context,
        host: str | None = typer.Option(None, "--host", help="Bind address (webhook.host)."),
        port: int | None = typer.Option(
            None, "--port", "-p", help="TCP port (default webhook.port); 0 picks a free one."
        ),
    ) -> None:
        """Serve POST /webhook, GET /status, POST /pause|/resume and GET /health."""

        import uvicorn

        from binfolio.config_load import ConfigError
        from binfolio.entrypoints.web.webhook import create_webhook_app
        from binfolio.entrypoints.web.webhook.wiring import build_trader
        from binfolio.simulator.server import base_url, bind

        with opened(ctx) as container:
            require_schema(container)
            try:
                built = build_trader(container)
            except ConfigError as exc:
                print_problems(exc.problems)
                raise typer.Exit(EXIT_CONFIG) from None
            settings = container.settings
            bind_host = host or settings.webhook.host
            bind_port = settings.webhook.port if port is None else port
            try:
                sock = bind(bind_host, bind_port)
            except OSError as exc:
                err_console.print(f"cannot listen on {bind_host}:{bind_port}: {exc}", markup=False)
                raise typer.Exit(EXIT_CONFIG) from exc
            web = create_webhook_app(built.trader, built.options, on_close=built.aclose)
            mode = settings.trading.mode
            typer.echo(
                f"binfolio webhook at {base_url(sock)}/webhook  (mode {mode}, orders to "
                f"{built.trader.exchange.endpoint})"
            )
            sys.stdout.flush()
            heap.started()  # a long-running server: collect normally from here on
            # The socket peer is the client: X-Forwarded-For is read by the app itself, and
            # only from webhook.trusted_proxies (see entrypoints/web/webhook/ingress.py).
            config = uvicorn.Config(web, log_level="warning", access_log=False, proxy_headers=False)
            server = uvicorn.Server(config)
            try:
                server.run(sockets=[sock])
            except KeyboardInterrupt:
                typer.echo("webhook stopped")
