"""A local fake of Google's OAuth token endpoint and the Sheets API calls gspread makes.

Served over real HTTP by uvicorn on 127.0.0.1 (a random port, in a thread), so the real stack
runs unchanged: google-auth signs a JWT assertion with the service account's private key and
posts it to the key's ``token_uri``; gspread's HTTP client sends the Sheets requests, which
``sheets.api_base_url`` routes here.

- ``POST /token``: checks the assertion's RS256 signature against the public key of the key
  id it names, its audience (Google's token endpoint), issuer (the service account) and scope
  (exactly ``spreadsheets``); answers an access token, or 400 ``invalid_grant``.
- ``GET /v4/spreadsheets/{id}`` (metadata), ``POST …:batchUpdate`` (addSheet),
  ``GET …/values/{range}`` (a column or a row), ``PUT …/values/{range}`` (overwrite row 1…),
  ``POST …/values/{range}:append``: the Sheets v4 REST shapes, against an in-memory sheet.

Faults, switched per call kind (``token``, ``get``, ``batch_update``, ``values_get``,
``values_update``, ``append``): an HTTP status (500, or 429 with Retry-After), a hang longer
than the client's timeout (optionally *after* applying an append: Google took it, the answer
was lost), and a refused token.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from google.auth import jwt

from binfolio.simulator.server import BackgroundServer, base_url, bind

SPREADSHEETS_SCOPE = "https://www.googleapis.com/auth/spreadsheets"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
CLIENT_EMAIL = "binfolio-export@binfolio-test.iam.gserviceaccount.com"
# The audience Google requires in a service account's assertion, wherever token_uri points;
# google-auth always puts it there (google/oauth2/service_account.py).
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"


@cache
def _key_pair(name: str) -> tuple[str, str]:
    """(private PKCS#8 PEM, public PEM) of a generated RSA key; one per name per test session."""
    del name
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@dataclass
class Fault:
    """One switched fault: for ``times`` calls of ``kind``."""

    kind: str
    times: int
    status: int | None = None
    retry_after_s: float | None = None
    hang_s: float = 0.0
    after_applying: bool = False


@dataclass
class Worksheet:
    sheet_id: int
    title: str
    rows: list[list[str]] = field(default_factory=list)


class FakeGoogle:
    """State and fault switches of the fake; the app reads them under one lock."""

    def __init__(self) -> None:
        self.url = ""
        self.key_id = "key-1"
        self.private_key, self.public_key = _key_pair("registered")
        self.spreadsheets: dict[str, dict[str, Worksheet]] = {}
        self.shared_with_us: set[str] = set()
        self.tokens: set[str] = set()
        self.calls: list[str] = []
        self.faults: list[Fault] = []
        self.refusing_tokens = False
        self.lock = threading.Lock()

    # --- set-up ---------------------------------------------------------------------------

    def add_spreadsheet(self, spreadsheet_id: str, *titles: str, shared: bool = True) -> None:
        """A spreadsheet with the named worksheets (empty); shared with the service account."""
        with self.lock:
            self.spreadsheets[spreadsheet_id] = {
                title: Worksheet(i, title) for i, title in enumerate(titles or ("Sheet1",))
            }
            if shared:
                self.shared_with_us.add(spreadsheet_id)

    def key_info(self, *, registered: bool = True) -> dict[str, str]:
        """A service-account JSON key whose token_uri is this fake; an unknown key if not
        ``registered`` (signed by a key Google never issued)."""
        private = self.private_key if registered else _key_pair("stranger")[0]
        return {
            "type": "service_account",
            "project_id": "binfolio-test",
            "private_key_id": self.key_id,
            "private_key": private,
            "client_email": CLIENT_EMAIL,
            "client_id": "1234567890",
            "token_uri": f"{self.url}/token",
        }

    def write_key(self, path: Path, *, mode: int = 0o600, registered: bool = True) -> Path:
        """Write the key file with ``mode``."""
        path.write_text(json.dumps(self.key_info(registered=registered)), encoding="utf-8")
        path.chmod(mode)
        return path

    def fail(
        self, kind: str, status: int, *, times: int = 1, retry_after_s: float | None = None
    ) -> None:
        """The next ``times`` calls of ``kind`` answer ``status``."""
        with self.lock:
            self.faults.append(Fault(kind, times, status=status, retry_after_s=retry_after_s))

    def hang(
        self, kind: str, seconds: float, *, times: int = 1, after_applying: bool = False
    ) -> None:
        """The next ``times`` calls of ``kind`` wait ``seconds`` before answering (an append
        with ``after_applying`` is applied first: Google has it, the client never hears)."""
        with self.lock:
            self.faults.append(Fault(kind, times, hang_s=seconds, after_applying=after_applying))

    def reset(self) -> None:
        """No spreadsheets, tokens, calls or faults: a fresh Google for the next test."""
        with self.lock:
            self.spreadsheets.clear()
            self.shared_with_us.clear()
            self.tokens.clear()
            self.calls.clear()
            self.faults.clear()
            self.refusing_tokens = False

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()
            self.refusing_tokens = False

    # --- inspection -----------------------------------------------------------------------

    def rows(self, spreadsheet_id: str, title: str) -> list[list[str]]:
        """A copy of a worksheet's rows (header first)."""
        with self.lock:
            return [list(r) for r in self.spreadsheets[spreadsheet_id][title].rows]

    def count(self, kind: str) -> int:
        """How many calls of ``kind`` arrived (failed ones too)."""
        with self.lock:
            return self.calls.count(kind)

    # --- request handling -----------------------------------------------------------------

    def take_fault(self, kind: str) -> Fault | None:
        with self.lock:
            self.calls.append(kind)
            for fault in self.faults:
                if fault.kind == kind and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None


def _error(status: int, message: str, reason: str, headers: dict[str, str] | None = None) -> Any:
    body = {"error": {"code": status, "message": message, "status": reason}}
    return JSONResponse(body, status_code=status, headers=headers)


_REASONS = {429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}


def _parse_range(text: str) -> tuple[str, str]:
    """``'My ''tab'''!J:J`` → (``My 'tab'``, ``J:J``)."""
    match = re.fullmatch(r"'((?:[^']|'')*)'!(.*)", text) or re.fullmatch(r"([^!]*)!(.*)", text)
    if match is None:
        return text, ""
    return match.group(1).replace("''", "'"), match.group(2)


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def create_app(fake: FakeGoogle) -> FastAPI:
    """The fake's routes."""
    app = FastAPI()

    async def faulted(kind: str) -> Any:
        fault = fake.take_fault(kind)
        if fault is None or fault.after_applying:
            return fault
        if fault.hang_s:
            await asyncio.sleep(fault.hang_s)
            return None
        headers = {"Retry-After": f"{fault.retry_after_s:g}"} if fault.retry_after_s else None
        status = fault.status or 500
        return _error(status, f"injected {status}", _REASONS.get(status, "FAILED"), headers)

    def authorised(request: Request) -> bool:
        header = request.headers.get("authorization", "")
        with fake.lock:
            return header.startswith("Bearer ") and header[7:] in fake.tokens

    async def enter(kind: str, spreadsheet_id: str, request: Request) -> Any:
        """A fault's answer, 401 or 403/404 as Google gives them; else the worksheets."""
        answer = await faulted(kind)
        if isinstance(answer, JSONResponse):
            return answer
        if not authorised(request):
            return _error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        return sheet_or_error(spreadsheet_id)

    def sheet_or_error(spreadsheet_id: str) -> Any:
        with fake.lock:
            if spreadsheet_id not in fake.spreadsheets:
                return _error(404, "Requested entity was not found.", "NOT_FOUND")
            if spreadsheet_id not in fake.shared_with_us:
                return _error(403, "The caller does not have permission", "PERMISSION_DENIED")
            return fake.spreadsheets[spreadsheet_id]

    async def worksheet(kind: str, spreadsheet_id: str, cells: str, request: Request) -> Any:
        """(worksheet, A1 area, the fault to apply after the change) or the error answer."""
        fault = await faulted(kind)
        if isinstance(fault, JSONResponse):
            return fault
        if not authorised(request):
            return _error(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED")
        sheets = sheet_or_error(spreadsheet_id)
        if isinstance(sheets, JSONResponse):
            return sheets
        title, area = _parse_range(cells)
        with fake.lock:
            if title not in sheets:
                return _error(400, f"Unable to parse range: {cells}", "INVALID_ARGUMENT")
            return sheets[title], area, fault

    @app.post("/token")
    async def token(request: Request) -> Any:
        answer = await faulted("token")
        if isinstance(answer, JSONResponse):
            return answer
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        refused = JSONResponse(
            {"error": "invalid_grant", "error_description": "Invalid JWT Signature."},
            status_code=400,
        )
        if fake.refusing_tokens or form.get("grant_type") != JWT_BEARER:
            return refused
        try:
            claims = jwt.decode(
                form.get("assertion", ""),
                certs={fake.key_id: fake.public_key},
                audience=GOOGLE_TOKEN_AUDIENCE,
            )
        except (ValueError, KeyError):
            return refused
        if claims.get("iss") != CLIENT_EMAIL or claims.get("scope") != SPREADSHEETS_SCOPE:
            return JSONResponse({"error": "invalid_scope"}, status_code=400)
        access = secrets.token_urlsafe(24)
        with fake.lock:
            fake.tokens.add(access)
        return {"access_token": access, "expires_in": 3599, "token_type": "Bearer"}

    @app.get("/v4/spreadsheets/{spreadsheet_id}")
    async def spreadsheet_get(spreadsheet_id: str, request: Request) -> Any:
        sheets = await enter("get", spreadsheet_id, request)
        if isinstance(sheets, JSONResponse):
            return sheets
        with fake.lock:
            listed = [
                {
                    "properties": {
                        "sheetId": ws.sheet_id,
                        "title": ws.title,
                        "index": i,
                        "sheetType": "GRID",
                        "gridProperties": {"rowCount": 1000, "columnCount": 26},
                    }
                }
                for i, ws in enumerate(sheets.values())
            ]
        return {
            "spreadsheetId": spreadsheet_id,
            "properties": {"title": "binfolio test", "locale": "en_US", "timeZone": "Etc/UTC"},
            "sheets": listed,
        }

    @app.post("/v4/spreadsheets/{spreadsheet_id}:batchUpdate")
    async def batch_update(spreadsheet_id: str, request: Request) -> Any:
        sheets = await enter("batch_update", spreadsheet_id, request)
        if isinstance(sheets, JSONResponse):
            return sheets
        replies = []
        for item in (await request.json())["requests"]:
            properties = item["addSheet"]["properties"]
            with fake.lock:
                if properties["title"] in sheets:
                    return _error(400, "A sheet with that name already exists.", "INVALID_ARGUMENT")
                new = Worksheet(len(sheets) + 100, properties["title"])
                sheets[new.title] = new
            replies.append({"addSheet": {"properties": {**properties, "sheetId": new.sheet_id}}})
        return {"spreadsheetId": spreadsheet_id, "replies": replies}

    @app.get("/v4/spreadsheets/{spreadsheet_id}/values/{cells:path}")
    async def values_get(spreadsheet_id: str, cells: str, request: Request) -> Any:
        found = await worksheet("values_get", spreadsheet_id, cells, request)
        if isinstance(found, JSONResponse):
            return found
        ws, area, _ = found
        with fake.lock:
            column = re.fullmatch(r"([A-Z]+):\1", area)
            if column:  # one column, majorDimension=COLUMNS as gspread asks
                at = _column_index(column.group(1))
                values = [row[at] if at < len(row) else "" for row in ws.rows]
                while values and values[-1] == "":
                    values.pop()
                data = [values] if values else []
            elif re.fullmatch(r"1:1", area):
                data = [list(ws.rows[0])] if ws.rows else []
            else:
                return _error(400, f"range {area} not supported by the fake", "INVALID_ARGUMENT")
        body: dict[str, Any] = {"range": cells, "majorDimension": "ROWS"}
        if data:
            body["values"] = data
        return body

    @app.put("/v4/spreadsheets/{spreadsheet_id}/values/{cells:path}")
    async def values_update(spreadsheet_id: str, cells: str, request: Request) -> Any:
        found = await worksheet("values_update", spreadsheet_id, cells, request)
        if isinstance(found, JSONResponse):
            return found
        ws, area, _ = found
        if area != "A1":
            return _error(400, f"range {area} not supported by the fake", "INVALID_ARGUMENT")
        values = (await request.json())["values"]
        with fake.lock:
            for i, row in enumerate(values):
                if i < len(ws.rows):
                    ws.rows[i] = [str(c) for c in row]
                else:
                    ws.rows.append([str(c) for c in row])
        return {"spreadsheetId": spreadsheet_id, "updatedRows": len(values)}

    @app.post("/v4/spreadsheets/{spreadsheet_id}/values/{cells:path}:append")
    async def values_append(spreadsheet_id: str, cells: str, request: Request) -> Any:
        found = await worksheet("append", spreadsheet_id, cells, request)
        if isinstance(found, JSONResponse):
            return found
        ws, _, fault = found
        if request.query_params.get("valueInputOption") not in {"RAW", "USER_ENTERED"}:
            return _error(400, "valueInputOption is required", "INVALID_ARGUMENT")
        values = (await request.json())["values"]
        with fake.lock:
            start = len(ws.rows) + 1
            ws.rows.extend([str(c) for c in row] for row in values)
        if isinstance(fault, Fault):  # applied; now the answer gets lost
            await asyncio.sleep(fault.hang_s)
        return {
            "spreadsheetId": spreadsheet_id,
            "updates": {"updatedRange": f"{cells}{start}", "updatedRows": len(values)},
        }

    return app


@contextmanager
def running_fake_google() -> Iterator[FakeGoogle]:
    """A fake Google on 127.0.0.1 (random port) for the duration of the block."""
    fake = FakeGoogle()
    sock = bind("127.0.0.1", 0)
    fake.url = base_url(sock)
    server = BackgroundServer(create_app(fake), sock)
    server.start()
    try:
        yield fake
    finally:
        server.stop()
