"""`binfolio doctor`: every check a user needs before trusting a run, each failure with its fix."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from binfolio.adapters.secret_box import SecretBox, SecretBoxError, unsafe_permissions
from binfolio.config import Settings
from binfolio.services.accounts.registry import AccountStore, ResolvedAccount, resolve_accounts
from binfolio.services.doctor.results import CheckResult
from binfolio.services.ports import Exchange, SchemaStatus


def check_files(settings: Settings, config_path: Path | None, cwd: Path) -> list[CheckResult]:
    """Credential files and the master key file must be private (0600)."""
    results: list[CheckResult] = []
    if config_path is None:
        results.append(CheckResult.ok("config", "no binfolio.toml: using defaults and environment"))
    else:
        results.append(CheckResult.ok("config", f"{config_path} is valid"))
    private: list[Path] = [settings.master_key_path] if settings.master_key_path.exists() else []
    for account in settings.accounts:
        private += [p for p in (account.api_key_file, account.api_secret_file) if p and p.exists()]
    for path in private:
        problem = unsafe_permissions(path)
        if problem is None:
            results.append(CheckResult.ok("permissions", f"{path} is private (0600)"))
        else:
            results.append(
                CheckResult.fail("permissions", f"{path} {problem.problem}", problem.fix)
            )
    dotenv = cwd / ".env"
    if dotenv.is_file() and unsafe_permissions(dotenv) is not None:
        results.append(
            CheckResult.warn(
                "permissions", f"{dotenv} is readable by group or others", f"chmod 600 {dotenv}"
            )
        )
    return results


def check_database(status: SchemaStatus) -> list[CheckResult]:
    """The database answers and its schema is at the newest migration."""
    if status.error is not None:
        return [
            CheckResult.fail(
                "database",
                f"cannot connect to {status.url}: {status.error}",
                "check DATABASE_URL / [database] url, that the server runs and accepts "
                "this user; `binfolio init` creates a local SQLite database",
            )
        ]
    if not status.ok:
        return [
            CheckResult.fail(
                "database",
                f"{status.url} is at migration {status.current or '(empty)'}, binfolio needs "
                f"{status.head}",
                "run `binfolio db upgrade`",
            )
        ]
    return [CheckResult.ok("database", f"{status.url} reachable, schema at {status.head}")]


def check_accounts(
    settings: Settings, environ: Mapping[str, str], store: AccountStore | None
) -> tuple[list[CheckResult], list[ResolvedAccount]]:
    """Each account has a usable key and secret; the master key works if secrets are stored."""
    results: list[CheckResult] = []
    if settings.master_key is not None or settings.master_key_path.exists():
        try:
            SecretBox.load(settings.master_key, settings.master_key_path)
            results.append(CheckResult.ok("master key", "present and valid"))
        except SecretBoxError as exc:
            results.append(CheckResult.fail("master key", str(exc).split(". Fix:")[0], exc.fix))
    resolved, problems = resolve_accounts(settings, store, environ)
    for problem in problems:
        results.append(
            CheckResult.fail("account", f"{problem.key}: {problem.problem}", problem.fix)
        )
    for account in resolved:
        results.append(CheckResult.ok("account", f"{account.name}: key and secret available"))
    if not resolved and not problems:
        results.append(
            CheckResult.warn(
                "account",
                "no accounts configured yet",
                "add [[accounts]] to binfolio.toml, set BINANCE_API_KEY/BINANCE_API_SECRET, "
                "or run `binfolio accounts add NAME`",
            )
        )
    return results, resolved


async def check_keys(
    settings: Settings, accounts: list[ResolvedAccount], exchange: Exchange
) -> list[CheckResult]:
    """Each key against Binance: valid, read-only, and our clock close to Binance's."""
    if not accounts:
        return []
    from binfolio.services.collect.job import collect_inputs
    from binfolio.services.doctor import key_check

    targets, _ = collect_inputs(settings, accounts)
    return await key_check.check_keys(targets, exchange)
