"""`binfolio accounts add|list|remove`: keys stored encrypted, only ever shown masked."""

from __future__ import annotations

import re

import typer
from rich.markup import escape

from binfolio.entrypoints.cli.common import (
    EXIT_CONFIG,
    EXIT_FAILED,
    console,
    err_console,
    opened,
    require_schema,
)

# Mirrors binfolio.config.ACCOUNT_NAME_PATTERN (a test keeps them equal) without importing pydantic.
ACCOUNT_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

accounts_app = typer.Typer(
    help="Manage Binance accounts and their stored keys.", no_args_is_help=True
)


@accounts_app.command("add")
def add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Your name for the account (letters, digits, - and _)."),
    api_key: str = typer.Option(
        ...,
        prompt="API key",
        hide_input=True,
        envvar="BINFOLIO_NEW_API_KEY",
        help="The API key (prompted for when not given; avoid putting it in shell history).",
    ),
    api_secret: str = typer.Option(
        ...,
        prompt="API secret",
        hide_input=True,
        envvar="BINFOLIO_NEW_API_SECRET",
        help="The API secret (prompted for when not given).",
    ),
) -> None:
    """Store an account's API key and secret, encrypted with the master key."""
    from pydantic import SecretStr

    from binfolio.adapters.secret_box import SecretBox, SecretBoxError
    from binfolio.domain.clock import utc_now
    from binfolio.services.accounts import registry as service

    if not re.match(ACCOUNT_NAME_PATTERN, name):
        err_console.print(f"[red]✗[/] account name {name!r}: use letters, digits, - and _ only")
        raise typer.Exit(EXIT_CONFIG)
    with opened(ctx) as app:
        require_schema(app)
        app.redactor.add(api_key)
        app.redactor.add(api_secret)
        try:
            box = SecretBox.load(app.settings.master_key, app.settings.master_key_path)
            listing = service.add_account(
                app.storage.accounts,
                box,
                name,
                SecretStr(api_key.strip()),
                SecretStr(api_secret.strip()),
                utc_now(),
            )
        except SecretBoxError as exc:
            err_console.print(f"[red]✗[/] {escape(str(exc))}")
            raise typer.Exit(EXIT_CONFIG) from None
        except service.AccountExistsError as exc:
            err_console.print(f"[red]✗[/] {escape(str(exc))}")
            raise typer.Exit(EXIT_FAILED) from None
    console.print(
        f"[green]✓[/] stored account {listing.name} (key {listing.masked_key}), encrypted"
    )


@accounts_app.command("list")
def list_(ctx: typer.Context) -> None:
    """List the accounts binfolio collects, with masked keys."""
    from rich.table import Table

    from binfolio.services.accounts import registry as service

    with opened(ctx) as app:
        require_schema(app)
        listings = service.list_accounts(app.settings, app.storage.accounts, app.environ)
    if not listings:
        console.print(
            "No accounts yet: add [[accounts]] to binfolio.toml or run "
            "`binfolio accounts add NAME`.",
            markup=False,
        )
        return
    table = Table("account", "key", "source")
    for listing in listings:
        table.add_row(listing.name, listing.masked_key, listing.source)
    console.print(table)


@accounts_app.command("remove")
def remove(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="The account whose stored key to delete."),
) -> None:
    """Delete an account's stored key and secret (its history stays)."""
    from binfolio.services.accounts import registry as service

    with opened(ctx) as app:
        require_schema(app)
        removed = service.remove_account(app.storage.accounts, name)
    if not removed:
        err_console.print(f"[red]✗[/] no stored account named {name!r}")
        raise typer.Exit(EXIT_FAILED)
    console.print(f"[green]✓[/] removed the stored key of {name}")


def register(app: typer.Typer) -> None:
    """Add the `accounts` group to the root command."""
    app.add_typer(accounts_app, name="accounts")
