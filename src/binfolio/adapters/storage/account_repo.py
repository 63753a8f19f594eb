"""SQL of the accounts table: names, and credentials stored encrypted by `accounts add`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.storage.database import transaction
from binfolio.adapters.storage.models import AccountRow


class AccountRepo:
    """:class:`binfolio.services.accounts.registry.AccountStore` on SQLAlchemy."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    def stored_credentials(self) -> dict[str, tuple[bytes, bytes]]:
        """Name → (encrypted key, encrypted secret) of every account with stored credentials."""
        with self._factory() as session:
            rows = session.execute(
                select(
                    AccountRow.name, AccountRow.api_key_encrypted, AccountRow.api_secret_encrypted
                )
            ).all()
        return {name: (k, s) for name, k, s in rows if k is not None and s is not None}

    def stored_listing(self) -> list[tuple[str, str]]:
        """(name, masked key) of every account with stored credentials, by name."""
        with self._factory() as session:
            rows = session.execute(
                select(AccountRow.name, AccountRow.api_key_masked)
                .where(AccountRow.api_secret_encrypted.is_not(None))
                .order_by(AccountRow.name)
            )
            return [(name, masked or "") for name, masked in rows]

    def store_credentials(
        self, name: str, key: bytes, secret: bytes, masked: str, now: datetime
    ) -> bool:
        """Store encrypted credentials; False when the account has stored credentials already."""
        with transaction(self._factory) as session:
            row = session.scalar(select(AccountRow).where(AccountRow.name == name))
            if row is not None and row.api_secret_encrypted is not None:
                return False
            if row is None:
                row = AccountRow(name=name, created_at=now)
                session.add(row)
            row.api_key_encrypted, row.api_secret_encrypted = key, secret
            row.api_key_masked = masked
        return True

    def forget_credentials(self, name: str) -> bool:
        """Drop an account's stored credentials (its history stays); False when there were none."""
        with transaction(self._factory) as session:
            row = session.scalar(select(AccountRow).where(AccountRow.name == name))
            if row is None or row.api_secret_encrypted is None:
                return False
            row.api_key_encrypted = row.api_secret_encrypted = None
            row.api_key_masked = None
        return True
