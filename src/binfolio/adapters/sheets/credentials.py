"""The service account's JSON key: refused unless private, scoped to spreadsheets only.

The key's ``token_uri`` is where google-auth sends the signed JWT assertion for an access
token (https://developers.google.com/identity/protocols/oauth2/service-account). binfolio asks
for the ``spreadsheets`` scope alone: it needs no Drive access to append rows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from binfolio.adapters.secret_box import unsafe_permissions
from binfolio.adapters.sheets.errors import SheetsSetupError

if TYPE_CHECKING:
    from google.oauth2.service_account import Credentials

SPREADSHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
_REQUIRED = ("client_email", "private_key", "token_uri")
_NEW_KEY = (
    "download a new JSON key (Google Cloud console → IAM → Service accounts → Keys → Add key) "
    "and save it with mode 0600"
)


def read_key_file(path: Path | None) -> dict[str, str]:
    """The parsed key file after checking that it exists, is private and has the needed fields.

    Raises:
        SheetsSetupError: naming the problem and its fix.
    """
    if path is None:
        raise SheetsSetupError(
            "sheets.spreadsheet_id is set but no service-account key is configured",
            "set sheets.service_account_path (or GOOGLE_SERVICE_ACCOUNT_PATH) to the service "
            "account's JSON key file",
        )
    path = path.expanduser()
    if not path.is_file():
        raise SheetsSetupError(
            f"service-account key {path} does not exist",
            f"{_NEW_KEY} at {path}, or point sheets.service_account_path at it",
        )
    problem = unsafe_permissions(path)
    if problem is not None:
        raise SheetsSetupError(f"service-account key {path} {problem.problem}", problem.fix)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SheetsSetupError(f"{path} is not a readable JSON key ({exc})", _NEW_KEY) from exc
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise SheetsSetupError(f"{path} is not a service-account key", _NEW_KEY)
    missing = [name for name in _REQUIRED if not info.get(name)]
    if missing:
        raise SheetsSetupError(f"{path} lacks {', '.join(missing)}", _NEW_KEY)
    return {str(k): v for k, v in info.items()}


def load_credentials(path: Path | None) -> Credentials:
    """google-auth credentials for the key at ``path``, ``spreadsheets`` scope only.

    Raises:
        SheetsSetupError: when the file is missing, unsafe or not a usable key.
    """
    from google.oauth2.service_account import Credentials

    info = read_key_file(path)
    try:
        credentials: Credentials = Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=[SPREADSHEETS_SCOPE]
        )
    except ValueError as exc:  # google-auth: the private key does not parse
        raise SheetsSetupError(f"{path}: the private key is unusable ({exc})", _NEW_KEY) from exc
    return credentials
