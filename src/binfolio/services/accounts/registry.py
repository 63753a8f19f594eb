"""Accounts: which Binance accounts binfolio watches and where their keys come from.

A key and secret come from environment variables or 0600 files named in ``[[accounts]]``, or
from the database, encrypted, after ``binfolio accounts add``. :func:`resolve_accounts` turns all
of that into :class:`ResolvedAccount` objects, or into problems that name the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.secret_box import SecretBox, SecretBoxError, mask, unsafe_permissions
from binfolio.adapters.storage.database import transaction
from binfolio.adapters.storage.models import AccountRow
from binfolio.config import WALLETS, AccountSettings, BenchmarkSettings, Settings
from binfolio.config_load import ConfigProblem


@dataclass(frozen=True)
class ResolvedAccount:
    """An account ready to be collected: name, credentials, wallets and benchmark."""

    name: str
    api_key: SecretStr
    api_secret: SecretStr
    wallets: frozenset[str]
    benchmark: BenchmarkSettings


@dataclass(frozen=True)
class AccountListing:
    """What ``binfolio accounts list`` shows: never the key itself."""

    name: str
    source: str
    masked_key: str


class AccountExistsError(Exception):
    """An account of that name is stored already."""


def add_account(
    factory: sessionmaker[Session],
    box: SecretBox,
    name: str,
    api_key: SecretStr,
    api_secret: SecretStr,
    now: datetime,
) -> AccountListing:
    """Store an account's key and secret, encrypted.

    Raises:
        AccountExistsError: when an account of that name already has stored credentials.
    """
    with transaction(factory) as session:
        row = session.scalar(select(AccountRow).where(AccountRow.name == name))
        if row is not None and row.api_secret_encrypted is not None:
            raise AccountExistsError(f"account {name!r} is stored already; remove it first")
        if row is None:
            row = AccountRow(name=name, created_at=now)
            session.add(row)
        row.api_key_encrypted = box.encrypt(api_key)
        row.api_secret_encrypted = box.encrypt(api_secret)
        row.api_key_masked = mask(api_key.get_secret_value())
    return AccountListing(name, "database (encrypted)", row.api_key_masked)


def remove_account(factory: sessionmaker[Session], name: str) -> bool:
    """Forget a stored account's credentials (its history stays). False when unknown."""
    with transaction(factory) as session:
        row = session.scalar(select(AccountRow).where(AccountRow.name == name))
        if row is None or row.api_secret_encrypted is None:
            return False
        row.api_key_encrypted = row.api_secret_encrypted = None
        row.api_key_masked = None
    return True


def list_accounts(
    settings: Settings, factory: sessionmaker[Session], environ: Mapping[str, str]
) -> list[AccountListing]:
    """Every account binfolio would collect, with masked keys only."""
    listings: list[AccountListing] = []
    configured = {a.name for a in settings.accounts}
    for account in settings.accounts:
        source, key = _describe_source(account, environ)
        listings.append(AccountListing(account.name, source, key))
    with factory() as session:
        for row in session.scalars(select(AccountRow).order_by(AccountRow.name)):
            if row.name not in configured and row.api_secret_encrypted is not None:
                listings.append(
                    AccountListing(row.name, "database (encrypted)", row.api_key_masked or "")
                )
    return listings


def _describe_source(account: AccountSettings, environ: Mapping[str, str]) -> tuple[str, str]:
    if account.api_key_env:
        value = environ.get(account.api_key_env, "")
        return f"env {account.api_key_env}", mask(value) if value else "(unset)"
    if account.api_key_file:
        return f"file {account.api_key_file}", "(in file)"
    return "database (encrypted)", "(stored)"


def resolve_accounts(
    settings: Settings,
    factory: sessionmaker[Session] | None,
    environ: Mapping[str, str],
    *,
    only: frozenset[str] = frozenset(),
) -> tuple[list[ResolvedAccount], list[ConfigProblem]]:
    """Credentials for every account (or those in ``only``), and what stops the others.

    With ``factory`` None (database unreachable) only keys from variables and files are resolved.
    """
    resolved: list[ResolvedAccount] = []
    problems: list[ConfigProblem] = []
    rows = _stored_rows(factory) if factory is not None else {}
    box: SecretBox | None = None
    names = [a.name for a in settings.accounts] + [
        n for n in rows if n not in {a.name for a in settings.accounts}
    ]
    unknown = sorted(only - set(names))
    for name in unknown:
        problems.append(
            ConfigProblem(
                f"--account {name}",
                "no such account",
                f"choose one of: {', '.join(names) or '(none configured)'}",
            )
        )
    by_name = {a.name: a for a in settings.accounts}
    for name in names:
        if only and name not in only:
            continue
        account = by_name.get(name) or AccountSettings(name=name)
        key = secret = None
        if account.stored_in_db:
            if name not in rows:
                problems.append(
                    ConfigProblem(
                        f"accounts[{name}]",
                        "has no key: no api_key_env/api_key_file and none stored",
                        "set api_key_env and api_secret_env, or run "
                        f"`binfolio accounts add {name}`",
                    )
                )
                continue
            try:
                box = box or SecretBox.load(settings.master_key, settings.master_key_path)
                key = box.decrypt(rows[name][0])
                secret = box.decrypt(rows[name][1])
            except SecretBoxError as exc:
                problems.append(
                    ConfigProblem(f"accounts[{name}]", str(exc).split(". Fix:")[0], exc.fix)
                )
                continue
        else:
            key = _read(account, "key", environ, problems)
            secret = _read(account, "secret", environ, problems)
        if key is None or secret is None:
            continue
        resolved.append(
            ResolvedAccount(
                name=name,
                api_key=key,
                api_secret=secret,
                wallets=account.wallets.enabled() & frozenset(WALLETS),
                benchmark=settings.benchmark_for(account),
            )
        )
    return resolved, problems


def _stored_rows(factory: sessionmaker[Session]) -> dict[str, tuple[bytes, bytes]]:
    with factory() as session:
        rows = session.execute(
            select(AccountRow.name, AccountRow.api_key_encrypted, AccountRow.api_secret_encrypted)
        ).all()
    return {name: (k, s) for name, k, s in rows if k is not None and s is not None}


def _read(
    account: AccountSettings, what: str, environ: Mapping[str, str], problems: list[ConfigProblem]
) -> SecretStr | None:
    variable: str | None = getattr(account, f"api_{what}_env")
    path: Path | None = getattr(account, f"api_{what}_file")
    key = f"accounts[{account.name}].api_{what}"
    if variable:
        value = environ.get(variable, "").strip()
        if not value:
            problems.append(
                ConfigProblem(
                    f"{key}_env",
                    f"variable {variable} is not set",
                    f"set {variable} in the environment or in .env",
                )
            )
            return None
        return SecretStr(value)
    if path:
        if not path.is_file():
            problems.append(
                ConfigProblem(
                    f"{key}_file",
                    f"{path} does not exist",
                    f"create it with the API {what} and chmod 600 {path}",
                )
            )
            return None
        unsafe = unsafe_permissions(path)
        if unsafe is not None:
            problems.append(unsafe)
            return None
        return SecretStr(path.read_text(encoding="utf-8").strip())
    problems.append(
        ConfigProblem(
            key, f"no API {what} given", f"set api_{what}_env or api_{what}_file for this account"
        )
    )
    return None
