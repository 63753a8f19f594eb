"""``binfolio simulator``: serve the offline Binance with a ready demo account."""

from __future__ import annotations

import sys

import typer

from binfolio.entrypoints.cli import heap


def register(app: typer.Typer) -> None:
    """Add the ``simulator`` command to ``app``."""

    @app.command("simulator")
    def simulator(
        port: int = typer.Option(8002, "--port", "-p", help="TCP port; 0 picks a free one."),
        host: str = typer.Option(
            "127.0.0.1", "--host", help="Address to bind (loopback by default)."
        ),
        scenario: str = typer.Option(
            "steady", "--scenario", "-s", help="steady, bull, bear, crash or sideways."
        ),
        seed: int = typer.Option(1, "--seed", help="The same seed gives the same prices."),
        speed: float = typer.Option(
            1.0, "--speed", help="Simulated seconds per real second (0 freezes prices)."
        ),
    ) -> None:
        """Run the offline Binance (spot, wallet, earn and USD-M futures REST) until Ctrl-C.

        Prints the base URL and the API key and secret of a ready demo account. Point binfolio
        at it with [binance] base_url and futures_base_url, or any Binance client by base URL.
        """
        from binfolio.simulator import SimulatorConfig, create_app
        from binfolio.simulator.demo import create_demo_account
        from binfolio.simulator.server import base_url, bind, make_server

        heap.started()  # a long-running server: collect normally from here on

        try:
            config = SimulatorConfig(scenario=scenario, seed=seed, speed=speed)
        except ValueError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from exc
        try:
            sock = bind(host, port)
        except OSError as exc:
            typer.echo(
                f"error: cannot listen on {host}:{port}: {exc}; pick another --port", err=True
            )
            raise typer.Exit(2) from exc
        app = create_app(config)
        account = create_demo_account(app.state.sim)
        url = base_url(sock)
        lines = [
            f"Binance simulator at {url}  (scenario {scenario}, seed {seed}, speed {speed:g})",
            f"base URL:   {url}",
            f"account:    {account.name}",
            f"API key:    {account.api_key}",
            f"API secret: {account.api_secret}",
            f"admin API:  {url}/_sim/  (loopback only)   docs: {url}/docs",
            "Press Ctrl-C to stop.",
        ]
        typer.echo("\n".join(lines))
        sys.stdout.flush()
        try:
            make_server(app).run(sockets=[sock])
        except KeyboardInterrupt:
            # uvicorn re-raises Ctrl-C after its clean shutdown; stopping is the normal way out.
            typer.echo("simulator stopped")
