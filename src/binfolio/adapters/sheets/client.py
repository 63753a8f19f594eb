"""The worksheet binfolio appends to, over gspread's HTTP client.

gspread's URLs are fixed to Google's host (``gspread/urls.py``), so :class:`_RoutedHTTPClient`
rewrites that prefix to ``sheets.api_base_url``: a proxy or the test endpoint then receives the
very requests gspread would send to Google. binfolio uses gspread's lower-level calls, each one
request (`spreadsheets.get`, `batchUpdate` addSheet, `values.get`, `values.update`,
`values.append`): its ``Spreadsheet``/``Worksheet`` objects re-read the metadata on the way,
and Google's quota is 60 requests a minute per user.

Cells are written with ``valueInputOption=RAW``: Google stores the exact text binfolio sends
(money as plain decimal strings), never parses it by the spreadsheet's locale, and never runs
it as a formula.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from binfolio.adapters.sheets.credentials import load_credentials
from binfolio.adapters.sheets.errors import SheetsSetupError, translate

if TYPE_CHECKING:
    from google.auth.credentials import Credentials
    from gspread.http_client import HTTPClient

    from binfolio.config import SheetsSettings

T = TypeVar("T")
GOOGLE_BASE_URL = "https://sheets.googleapis.com"
_APPEND_PARAMS = {"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"}


def _routed_client(credentials: Credentials, base_url: str) -> HTTPClient:
    """A gspread ``HTTPClient`` whose Sheets requests go to ``base_url``."""
    from gspread.http_client import HTTPClient

    class _RoutedHTTPClient(HTTPClient):
        def request(self, method: str, endpoint: str, *args: Any, **kwargs: Any) -> Any:
            if endpoint.startswith(GOOGLE_BASE_URL):
                endpoint = base_url + endpoint[len(GOOGLE_BASE_URL) :]
            return super().request(method, endpoint, *args, **kwargs)

    return _RoutedHTTPClient(credentials)


def a1(title: str, cells: str) -> str:
    """An A1 range on worksheet ``title`` (quotes doubled, as the Sheets API wants)."""
    return "'" + title.replace("'", "''") + "'!" + cells


class GoogleSheet:
    """One worksheet of one spreadsheet; every method is one Sheets request.

    Raises (every method):
        SheetsError: translated from gspread, google-auth and requests.
    """

    def __init__(
        self,
        http: HTTPClient,
        spreadsheet_id: str,
        title: str,
        client_email: str,
        run_id_column: int,
    ) -> None:
        self._http = http
        self.spreadsheet_id = spreadsheet_id
        self.title = title
        self.client_email = client_email
        self.run_id_column = run_id_column

    @classmethod
    def connect(cls, settings: SheetsSettings, header: Sequence[str]) -> GoogleSheet:
        """The worksheet handle, without any request yet (the key file is read and checked).

        The Run ID column is where ``header`` has "Run ID".

        Raises:
            SheetsSetupError: when export is off or the key file is missing, unsafe or unusable.
        """
        if settings.spreadsheet_id is None:
            raise SheetsSetupError("Sheets export is off", "set sheets.spreadsheet_id")
        credentials = load_credentials(settings.service_account_path)
        http = _routed_client(credentials, settings.api_base_url)
        http.set_timeout(settings.timeout_s)
        email = str(getattr(credentials, "service_account_email", "the service account"))
        return cls(
            http, settings.spreadsheet_id, settings.worksheet, email, header.index("Run ID") + 1
        )

    @classmethod
    def open(cls, settings: SheetsSettings, header: Sequence[str]) -> GoogleSheet:
        """Get a token, find the worksheet, and create it with ``header`` when missing.

        Raises:
            SheetsError: for a missing or unsafe key, a refused token, no access, a missing
                spreadsheet, or Google being unavailable.
        """
        sheet = cls.connect(settings, header)
        if sheet.title not in sheet.titles():
            sheet._add_worksheet(len(header))
            sheet.append([list(header)])
        return sheet

    def titles(self) -> list[str]:
        """The titles of the spreadsheet's worksheets (also proves token and access)."""
        meta = self._call(self._http.fetch_sheet_metadata, self.spreadsheet_id)
        return [str(s["properties"]["title"]) for s in meta.get("sheets", [])]

    def run_ids(self) -> list[str]:
        """The Run ID column, header included: one read of one column, never the whole sheet."""
        column = chr(ord("A") + self.run_id_column - 1)
        return self._column(f"{column}:{column}")

    def header(self) -> list[str]:
        """The first row."""
        data = self._call(
            self._http.values_get,
            self.spreadsheet_id,
            a1(self.title, "1:1"),
            params={"majorDimension": "ROWS", "valueRenderOption": "UNFORMATTED_VALUE"},
        )
        values = data.get("values") or [[]]
        return [str(cell) for cell in values[0]]

    def write_header(self, cells: Sequence[str]) -> None:
        """Overwrite the first row with ``cells``."""
        self._call(
            self._http.values_update,
            self.spreadsheet_id,
            a1(self.title, "A1"),
            params={"valueInputOption": "RAW"},
            body={"values": [list(cells)]},
        )

    def append(self, rows: Sequence[Sequence[str]]) -> None:
        """Append ``rows`` after the sheet's last row, in one request."""
        self._call(
            self._http.values_append,
            self.spreadsheet_id,
            a1(self.title, "A1"),
            _APPEND_PARAMS,
            {"values": [list(row) for row in rows]},
        )

    def _column(self, cells: str) -> list[str]:
        data = self._call(
            self._http.values_get,
            self.spreadsheet_id,
            a1(self.title, cells),
            params={"majorDimension": "COLUMNS", "valueRenderOption": "UNFORMATTED_VALUE"},
        )
        values = data.get("values") or [[]]
        return [str(cell) for cell in values[0]]

    def _add_worksheet(self, columns: int) -> None:
        body = {
            "requests": [
                {
                    "addSheet": {
                        "properties": {
                            "title": self.title,
                            "sheetType": "GRID",
                            "gridProperties": {"rowCount": 1000, "columnCount": columns},
                        }
                    }
                }
            ]
        }
        self._call(self._http.batch_update, self.spreadsheet_id, body)

    def _call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return function(*args, **kwargs)
        except Exception as exc:
            error = translate(
                exc, spreadsheet_id=self.spreadsheet_id, client_email=self.client_email
            )
            raise error from exc
