"""`binfolio doctor`'s Sheets checks: the key file, a token, the spreadsheet, the worksheet.

Read-only: a missing worksheet is reported (the first export creates it), never created here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from binfolio.services.doctor.results import CheckResult
from binfolio.services.export.rows import SHEET_HEADER

if TYPE_CHECKING:
    from binfolio.config import Settings

NAME = "sheets"


def check_sheets(settings: Settings) -> list[CheckResult]:
    """Check Sheets access when export is configured (two requests to Google at most)."""
    from binfolio.adapters.sheets.client import GoogleSheet
    from binfolio.adapters.sheets.errors import SheetsError

    sheets = settings.sheets
    if not sheets.enabled:
        return [CheckResult.ok(NAME, "export off (sheets.spreadsheet_id is not set)")]
    try:
        sheet = GoogleSheet.connect(sheets, SHEET_HEADER)
    except SheetsError as exc:
        return [CheckResult.fail(NAME, exc.message, exc.fix)]
    results = [CheckResult.ok(NAME, f"key {sheets.service_account_path} is private (0600)")]
    try:
        titles = sheet.titles()
        results.append(
            CheckResult.ok(
                NAME, f"token for {sheet.client_email}; spreadsheet {sheet.spreadsheet_id} opens"
            )
        )
        if sheets.worksheet not in titles:
            results.append(
                CheckResult.warn(
                    NAME,
                    f"worksheet {sheets.worksheet!r} does not exist yet",
                    "nothing to do: the first export creates it with the header row "
                    "(or set sheets.worksheet to an existing tab)",
                )
            )
            return results
        header = sheet.header()
    except SheetsError as exc:
        return [*results, CheckResult.fail(NAME, exc.message, exc.fix)]
    expected = list(SHEET_HEADER)
    if not header:
        results.append(
            CheckResult.ok(
                NAME,
                f"worksheet {sheets.worksheet!r} is empty; the first export writes the header row",
            )
        )
    elif header[: len(expected)] != expected:
        shown = ",".join(header[: len(expected)]) or "(empty)"
        results.append(
            CheckResult.warn(
                NAME,
                f"worksheet {sheets.worksheet!r} starts with {shown}, not binfolio's header",
                "point sheets.worksheet at a new tab (binfolio creates it), or put binfolio's "
                "header in row 1: " + ",".join(expected),
            )
        )
    else:
        results.append(CheckResult.ok(NAME, f"worksheet {sheets.worksheet!r} has the header row"))
    return results
