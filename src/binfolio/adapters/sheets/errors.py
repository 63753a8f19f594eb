"""What can go wrong talking to Google Sheets, translated from gspread, google-auth and requests
in one place (:func:`translate`), each error naming its fix.

::

    SheetsError                  the row could not be written; it stays pending
    ├── SheetsSetupError         needs the user: key file, token refused, no access, wrong id;
    │                            retrying will not help
    └── SheetsUnavailableError   Google or the network failed for now (5xx, timeout); retry
        └── SheetsRateLimitedError   429: wait ``retry_after_s`` before the next try
"""

from __future__ import annotations

from http import HTTPStatus

from binfolio.errors import BinfolioError


class SheetsError(BinfolioError):
    """A Sheets call failed; ``fix`` says what to do about it."""

    def __init__(self, message: str, fix: str) -> None:
        self.message = message
        self.fix = fix
        super().__init__(f"{message}. Fix: {fix}")


class SheetsSetupError(SheetsError):
    """Configuration, credentials or sharing are wrong: a person has to act."""


class SheetsUnavailableError(SheetsError):
    """A transient failure: the same call may succeed later."""


class SheetsRateLimitedError(SheetsUnavailableError):
    """Google's quota answered 429; ``retry_after_s`` is its Retry-After (None if absent)."""

    def __init__(self, message: str, fix: str, retry_after_s: float | None) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message, fix)


_LATER = "nothing to do: the rows stay pending and go with the next run"


def translate(exc: Exception, *, spreadsheet_id: str, client_email: str) -> SheetsError:
    """The :class:`SheetsError` for an exception raised by gspread, google-auth or requests.

    Unknown exceptions are returned as transient errors naming their type, never swallowed:
    the caller logs them and the rows stay pending.
    """
    import gspread
    import requests
    from google.auth import exceptions as auth_errors

    if isinstance(exc, SheetsError):
        return exc
    if isinstance(exc, auth_errors.RefreshError):
        return _refused_token(exc, client_email)
    if isinstance(exc, auth_errors.TransportError | requests.RequestException):
        cause = exc.__cause__ or exc
        return SheetsUnavailableError(
            f"Google did not answer in time or the connection failed ({type(cause).__name__})",
            _LATER,
        )
    if isinstance(exc, gspread.exceptions.APIError):
        return _api_error(exc, spreadsheet_id, client_email)
    return SheetsUnavailableError(f"unexpected {type(exc).__name__}: {exc}", _LATER)


def _refused_token(exc: Exception, client_email: str) -> SheetsError:
    retryable = bool(getattr(exc, "retryable", False))
    reason = str(exc.args[0]) if exc.args else type(exc).__name__
    if retryable:
        return SheetsUnavailableError(f"Google's token endpoint failed: {reason}", _LATER)
    return SheetsSetupError(
        f"Google refused the service account's key ({reason})",
        f"the key may be revoked or deleted: create a new JSON key for {client_email} "
        "(Google Cloud console → IAM → Service accounts → Keys), save it with mode 0600 "
        "at sheets.service_account_path, and check that this machine's clock is right",
    )


def _api_error(exc: Exception, spreadsheet_id: str, client_email: str) -> SheetsError:
    response = getattr(exc, "response", None)
    status = int(getattr(response, "status_code", None) or getattr(exc, "code", 0) or 0)
    detail = str(getattr(exc, "error", {}).get("message", "")) or str(exc)
    if status == HTTPStatus.TOO_MANY_REQUESTS:
        header = response.headers.get("Retry-After") if response is not None else None
        return SheetsRateLimitedError(
            f"Google Sheets quota exceeded (429): {detail}", _LATER, _seconds(header)
        )
    if status >= HTTPStatus.INTERNAL_SERVER_ERROR or status == HTTPStatus.REQUEST_TIMEOUT:
        return SheetsUnavailableError(f"Google Sheets failed ({status}): {detail}", _LATER)
    if status == HTTPStatus.UNAUTHORIZED:
        return SheetsSetupError(
            f"Google Sheets refused the access token (401): {detail}",
            f"create a new JSON key for {client_email} and save it at "
            "sheets.service_account_path (mode 0600)",
        )
    if status == HTTPStatus.FORBIDDEN:
        return SheetsSetupError(
            f"no access to spreadsheet {spreadsheet_id} (403): {detail}",
            f"share the spreadsheet with {client_email} as Editor, and enable the Google "
            "Sheets API in the service account's Cloud project",
        )
    if status == HTTPStatus.NOT_FOUND:
        return SheetsSetupError(
            f"spreadsheet {spreadsheet_id} not found (404)",
            "copy the id from the spreadsheet's URL (…/spreadsheets/d/<id>/edit) into "
            "sheets.spreadsheet_id or GOOGLE_SPREADSHEET_ID",
        )
    return SheetsSetupError(
        f"Google Sheets rejected the request ({status}): {detail}",
        "check sheets.worksheet; if it looks right, report this as a binfolio bug",
    )


def _seconds(header: str | None) -> float | None:
    """Retry-After as seconds (Google sends a number of seconds)."""
    if header is None:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        return None
