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
from typing import Protocol

from pydantic import SecretStr

from binfolio.adapters.secret_box import SecretBox, SecretBoxError, mask, unsafe_permissions
from binfolio.config import WALLETS, AccountSettings, BenchmarkSettings, Settings
from binfolio.config_load import ConfigProblem
from binfolio.errors import BinfolioError


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


class AccountExistsError(BinfolioError):
    """An account of that name is stored already."""


class AccountStore(Protocol):
    """Accounts with credentials stored encrypted (``adapters.storage.account_repo``)."""

    def stored_credentials(self) -> dict[str, tuple[bytes, bytes]]:
        """Name → (encrypted key, encrypted secret)."""
        ...

    def stored_listing(self) -> list[tuple[str, str]]:
        """(name, masked key), by name."""
        ...

    def store_credentials(
        self, name: str, key: bytes, secret: bytes, masked: str, now: datetime
    ) -> bool:
        """Store them; False when the account has stored credentials already."""
        ...

    def forget_credentials(self, name: str) -> bool:
        """Drop them; False when there were none."""
        ...


def add_account(
    store: AccountStore,
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
    masked = mask(api_key.get_secret_value())
    stored = store.store_credentials(
        name, box.encrypt(api_key), box.encrypt(api_secret), masked, now
    )
    if not stored:
        raise AccountExistsError(f"account {name!r} is stored already; remove it first")
    return AccountListing(name, "database (encrypted)", masked)


def remove_account(store: AccountStore, name: str) -> bool:
    """Forget a stored account's credentials (its history stays). False when unknown."""
    return store.forget_credentials(name)


def list_accounts(
    settings: Settings, store: AccountStore, environ: Mapping[str, str]
) -> list[AccountListing]:
    """Every account binfolio would collect, with masked keys only."""
    listings: list[AccountListing] = []
    configured = {a.name for a in settings.accounts}
    for account in settings.accounts:
        source, key = _describe_source(account, environ)
        listings.append(AccountListing(account.name, source, key))
    for name, masked in store.stored_listing():
        if name not in configured:
            listings.append(AccountListing(name, "database (encrypted)", masked))
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
    store: AccountStore | None,
    environ: Mapping[str, str],
    *,
    only: frozenset[str] = frozenset(),
) -> tuple[list[ResolvedAccount], list[ConfigProblem]]:
    """Credentials for every account (or those in ``only``), and what stops the others.

    With ``store`` None (database unreachable) only keys from variables and files are resolved.
    """
    resolved: list[ResolvedAccount] = []
    problems: list[ConfigProblem] = []
    rows = store.stored_credentials() if store is not None else {}
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
