"""Secrets at rest: API secrets stored in the database are Fernet tokens under a master key.

The master key comes from ``BINFOLIO_MASTER_KEY`` or from a key file that only its owner can
read (``binfolio init`` creates it with mode 0600). Without the key the database holds nothing
an attacker can use.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from binfolio.config_load import ConfigProblem
from binfolio.errors import BinfolioError

if TYPE_CHECKING:
    from cryptography.fernet import Fernet


class SecretBoxError(BinfolioError):
    """The master key is missing, unreadable, unsafe or wrong; ``fix`` says what to do."""

    def __init__(self, message: str, fix: str) -> None:
        self.fix = fix
        super().__init__(f"{message}. Fix: {fix}")


def unsafe_permissions(path: Path) -> ConfigProblem | None:
    """A problem when ``path`` can be read or written by group or others, else None."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return ConfigProblem(
            str(path),
            f"is readable by group or others (mode {mode:04o}); it holds a secret",
            f"chmod 600 {path}",
        )
    return None


def write_private_file(path: Path, content: str) -> None:
    """Create ``path`` with mode 0600 from the start (never briefly world-readable).

    Raises:
        FileExistsError: when the file exists already; we never overwrite a key.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)


def new_master_key() -> str:
    """A fresh random Fernet key (urlsafe base64, 32 bytes)."""
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


class SecretBox:
    """Encrypts and decrypts account secrets with the master key."""

    def __init__(self, master_key: SecretStr) -> None:
        # Imported here: accounts whose secrets come from the environment never need it, and
        # it is 20 modules of every `binfolio snapshot` start-up otherwise.
        from cryptography.fernet import Fernet

        try:
            self._fernet: Fernet = Fernet(master_key.get_secret_value().encode())
        except (ValueError, TypeError) as exc:
            raise SecretBoxError(
                "the master key is not a valid Fernet key",
                "set BINFOLIO_MASTER_KEY to the key printed by `binfolio init`, or restore the "
                "master key file",
            ) from exc

    @classmethod
    def load(cls, master_key: SecretStr | None, key_file: Path) -> SecretBox:
        """The box for the configured key: the variable first, else the 0600 key file.

        Raises:
            SecretBoxError: when there is no key, the file is unsafe or the key is malformed.
        """
        if master_key is not None:
            return cls(master_key)
        if not key_file.is_file():
            raise SecretBoxError(
                f"no master key: BINFOLIO_MASTER_KEY is unset and {key_file} does not exist",
                "run `binfolio init` to create the key file, or set BINFOLIO_MASTER_KEY",
            )
        problem = unsafe_permissions(key_file)
        if problem is not None:
            raise SecretBoxError(f"{problem.key} {problem.problem}", problem.fix)
        return cls(SecretStr(key_file.read_text(encoding="utf-8").strip()))

    def encrypt(self, secret: SecretStr) -> bytes:
        """Encrypt a secret for storage."""
        return self._fernet.encrypt(secret.get_secret_value().encode())

    def decrypt(self, token: bytes) -> SecretStr:
        """Decrypt a stored secret.

        Raises:
            SecretBoxError: when the token was made with another master key.
        """
        from cryptography.fernet import InvalidToken

        try:
            return SecretStr(self._fernet.decrypt(token).decode())
        except InvalidToken as exc:
            raise SecretBoxError(
                "a stored API secret cannot be decrypted with this master key",
                "use the master key the account was added with, or re-add the account",
            ) from exc


def mask(key: str) -> str:
    """``abcd…wxyz``: enough to recognise a key, useless to anyone else."""
    if len(key) <= 8:
        return "…" * min(len(key), 3)
    return f"{key[:4]}…{key[-4:]}"
