"""`binfolio init` and `binfolio db upgrade`."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import typer

from binfolio.entrypoints.cli.common import EXIT_OK, console, opened

db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


def _template(name: str) -> str:
    return files("binfolio.templates").joinpath(name).read_text(encoding="utf-8")


def init(
    ctx: typer.Context,
    directory: Path = typer.Option(Path("."), "--dir", help="Where to write the files."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing binfolio.toml."),
) -> None:
    """Write a commented binfolio.toml and .env.example, create the master key and the database."""
    from binfolio.adapters.secret_box import new_master_key, write_private_file
    from binfolio.adapters.storage.database import head_revision, upgrade

    directory.mkdir(parents=True, exist_ok=True)
    config_file = directory / "binfolio.toml"
    if config_file.exists() and not force:
        console.print(f"[yellow]•[/] {config_file} exists; kept (use --force to overwrite)")
    else:
        config_file.write_text(_template("binfolio.toml"), encoding="utf-8")
        console.print(f"[green]✓[/] wrote {config_file}")
    env_example = directory / ".env.example"
    env_example.write_text(_template("env.example"), encoding="utf-8")
    console.print(f"[green]✓[/] wrote {env_example}")

    ctx.find_root().obj = ctx.find_root().obj or config_file
    with opened(ctx) as app:
        settings = app.settings
        if settings.master_key is None and not settings.master_key_path.exists():
            write_private_file(settings.master_key_path, new_master_key() + "\n")
            console.print(f"[green]✓[/] created master key {settings.master_key_path} (0600)")
        upgrade(app.engine)
        shown = app.engine.url.render_as_string(hide_password=True)
        console.print(f"[green]✓[/] database {shown} at migration {head_revision(app.engine)}")
    console.print(
        "Next: add an account ([[accounts]] or `binfolio accounts add`), then `binfolio doctor`.",
        markup=False,
    )
    raise typer.Exit(EXIT_OK)


@db_app.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Apply database migrations up to the newest."""
    from binfolio.adapters.storage.database import current_revision, upgrade

    with opened(ctx) as app:
        before = current_revision(app.engine)
        upgrade(app.engine)
        after = current_revision(app.engine)
    if before == after:
        console.print(f"[green]✓[/] database already at {after}")
    else:
        console.print(f"[green]✓[/] database upgraded from {before or '(empty)'} to {after}")


def register(app: typer.Typer) -> None:
    """Add `init` and `db` to the root command."""
    app.command("init")(init)
    app.add_typer(db_app, name="db")
