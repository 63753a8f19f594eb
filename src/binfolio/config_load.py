"""Build :class:`Settings` from TOML, ``.env`` and the environment, with errors a user can act on.

Every problem becomes a :class:`ConfigProblem` that names the key (as written in the TOML file
and as an environment variable), says what is wrong and how to fix it.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotenv import dotenv_values
from pydantic import ValidationError
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    TomlConfigSettingsSource,
)

from binfolio.config import Settings, default_config_path
from binfolio.errors import BinfolioError

# Seed-compatible variables (seeds 000–004) → dotted settings keys.
SEED_VARIABLES = {
    "DATABASE_URL": "database.url",
    "LOG_FILE_PATH": "logging.file_path",
    "GOOGLE_SERVICE_ACCOUNT_PATH": "sheets.service_account_path",
    "GOOGLE_SPREADSHEET_ID": "sheets.spreadsheet_id",
    "WEBHOOK_SECRET_KEY": "webhook.secret",
}
SEED_KEY_VARIABLE = "BINANCE_API_KEY"
SEED_SECRET_VARIABLE = "BINANCE_API_SECRET"


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with the configuration."""

    key: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.key}: {self.problem}. Fix: {self.fix}"


class ConfigError(BinfolioError):
    """The configuration cannot be used; ``problems`` says why, each with its fix."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class _EnvSource(EnvSettingsSource):
    """``BINFOLIO_*`` variables from the environment we were handed, not the global one."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._given = dict(environ)
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # Names are matched case-insensitively, as pydantic-settings does by default.
        return {name.lower(): value for name, value in self._given.items()}


def read_dotenv(directory: Path) -> dict[str, str]:
    """The variables of ``directory/.env`` (empty when there is none)."""
    path = directory / ".env"
    if not path.is_file():
        return {}
    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _seed_values(variables: Mapping[str, str]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for variable, dotted in SEED_VARIABLES.items():
        value = variables.get(variable)
        if value:
            section, key = dotted.split(".")
            nested.setdefault(section, {})[key] = value
    return nested


def load_settings(
    config_path: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Settings:
    """Build the settings once, at start.

    Args:
        config_path: ``--config``; else ``BINFOLIO_CONFIG``, ``./binfolio.toml`` or the user
            config directory.
        environ: the environment (default ``os.environ``).
        cwd: where ``.env`` is looked for (default the working directory).

    Raises:
        ConfigError: listing every problem with its key and fix.
    """
    env = dict(os.environ if environ is None else environ)
    directory = cwd or Path.cwd()
    dotenv = read_dotenv(directory)
    path = config_path or default_config_path(env)
    if path is not None and not path.expanduser().is_file():
        # pydantic-settings skips a missing TOML file; a file the user named must exist.
        raise ConfigError(
            [ConfigProblem(str(path), "the config file does not exist", "run `binfolio init`")]
        )
    variables = {**dotenv, **env}  # the real environment beats .env
    seed = _seed_values(variables)

    class _Loaded(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (
                init_settings,
                _EnvSource(settings_cls, env),
                InitSettingsSource(settings_cls, seed),
                # .env is read once (python-dotenv) and used twice: as an environment of its
                # own here, and for the seed variables and account keys it may hold.
                _EnvSource(settings_cls, dotenv),
                TomlConfigSettingsSource(settings_cls, toml_file=path),
            )

    try:
        settings: Settings = _Loaded()
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            [ConfigProblem(str(path), f"is not valid TOML ({exc})", "correct the syntax")]
        ) from exc
    except ValidationError as exc:
        raise ConfigError([_problem_of(error, path) for error in exc.errors()]) from exc

    if not settings.accounts and variables.get(SEED_KEY_VARIABLE):
        # The seeds' single-account variables: an implicit account called "main".
        from binfolio.config import AccountSettings

        settings.accounts.append(
            AccountSettings(
                name="main", api_key_env=SEED_KEY_VARIABLE, api_secret_env=SEED_SECRET_VARIABLE
            )
        )
    return settings


def _problem_of(error: Any, path: Path | None) -> ConfigProblem:
    location = [str(part) for part in error.get("loc", ())]
    dotted = _dotted(location)
    env_name = "BINFOLIO_" + "__".join(p.upper() for p in location if not p.isdigit())
    where = f"{path.name} " if path else ""
    value = error.get("input")
    shown = "" if isinstance(value, dict | list) or "secret" in dotted else f" (got {value!r})"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        return ConfigProblem(
            f"{where}{dotted}",
            "is not a known setting",
            "remove it or correct the spelling; docs/configuration.md lists every key",
        )
    return ConfigProblem(
        f"{where}{dotted}",
        f"{message}{shown}",
        f"correct it in the config file or set {env_name}; see docs/configuration.md",
    )


def _dotted(location: list[str]) -> str:
    out = ""
    for part in location:
        if part.isdigit():
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out or "(root)"
