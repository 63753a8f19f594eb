"""Generate ``docs/configuration.md`` from the settings model: ``python -m binfolio.config_docs``.

A test compares the committed file with this output, so the reference never goes stale.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from binfolio.config import describe_fields
from binfolio.config_load import SEED_KEY_VARIABLE, SEED_SECRET_VARIABLE, SEED_VARIABLES

HEADER = """# Configuration reference

Generated from `src/binfolio/config.py` by `make docs`; do not edit by hand.

binfolio reads, highest priority first: `BINFOLIO_<SECTION>__<KEY>` environment variables, the
seed-compatible variables below, a `.env` file in the working directory, the TOML file
(`--config PATH`, `BINFOLIO_CONFIG`, `./binfolio.toml`, or `binfolio.toml` in the user config
directory), then the defaults. Everything is validated once at start; each error names the key,
the problem and the fix. `binfolio init` writes a commented `binfolio.toml`.

"""


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "`true`" if value else "`false`"
    if isinstance(value, dict):
        inner = ", ".join(f"{k} = {_show_plain(v)}" for k, v in value.items())
        return f"`{{ {inner} }}`"
    if isinstance(value, list):
        return "`[]`" if not value else f"`{value}`"
    return f"`{_show_plain(value)}`"


def _show_plain(value: Any) -> str:
    if isinstance(value, Decimal | int | float):
        return str(value)
    return f'"{value}"' if isinstance(value, str) else str(value)


def _env_name(key: str) -> str:
    if key.startswith("accounts[]"):
        return "(TOML only)"
    return "`BINFOLIO_" + key.replace(".", "__").upper() + "`"


def render() -> str:
    """The whole Markdown document."""
    lines = [HEADER, "## Settings", "", "| key | type | default | environment | description |"]
    lines.append("|---|---|---|---|---|")
    for key, type_name, default, description in describe_fields():
        shown = "user data directory" if key == "data_dir" else _show(default)
        type_text = type_name.replace("|", "or")
        lines.append(f"| `{key}` | {type_text} | {shown} | {_env_name(key)} | {description} |")
    lines += ["", "## Seed-compatible variables", "", "| variable | sets |", "|---|---|"]
    for variable, dotted in SEED_VARIABLES.items():
        lines.append(f"| `{variable}` | `{dotted}` |")
    lines.append(
        f"| `{SEED_KEY_VARIABLE}`, `{SEED_SECRET_VARIABLE}` | an account named `main` "
        "when no `[[accounts]]` are configured |"
    )
    lines += [
        "",
        "## Accounts",
        "",
        "Each `[[accounts]]` table names where its key and secret come from: `api_key_env` /",
        "`api_secret_env` (variables, also read from `.env`), or `api_key_file` /",
        "`api_secret_file` (files that must be mode 0600; anything else is refused with the",
        "`chmod 600` to run), or neither, after `binfolio accounts add NAME` stored them encrypted",
        "with the master key (`BINFOLIO_MASTER_KEY` or the 0600 `master.key` that",
        "`binfolio init` creates).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(), end="")
