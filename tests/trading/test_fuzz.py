"""Schema-driven fuzzing of POST /webhook over real HTTP: whatever arrives, never a 5xx.

Bodies come from the payload's own JSON schema (``schema_strategy``), from that schema with
fields swapped for arbitrary JSON, and from arbitrary JSON and bytes. Each is sent with the
secret, without it, or with it as a Bearer header, as text/plain or application/json.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from binfolio.entrypoints.web.webhook.payload import request_schema
from tests.trading.conftest import StartWebhook
from tests.trading.schema_strategy import from_schema
from tests.trading.support import SECRET

ANSWERS = {200, 400, 401, 413, 422}
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
_schema = request_schema()
_fields = sorted(_schema["properties"])
_valid = from_schema(_schema)


@st.composite
def _mutated(draw: st.DrawFn) -> dict[str, Any]:
    body = dict(draw(_valid))
    for field in draw(st.lists(st.sampled_from([*_fields, "action", "signal_id"]), max_size=3)):
        body[field] = draw(_json)
    return body


_bodies = st.one_of(
    _valid.map(lambda b: json.dumps(b).encode()),
    _mutated().map(lambda b: json.dumps(b).encode()),
    _json.map(lambda b: json.dumps(b).encode()),
    st.binary(max_size=200),
)


@st.composite
def _request(draw: st.DrawFn) -> tuple[bytes, dict[str, str]]:
    raw = draw(_bodies)
    headers = {"Content-Type": draw(st.sampled_from(["application/json", "text/plain"]))}
    how = draw(st.sampled_from(["body", "bearer", "none"]))
    if how == "body" and raw.startswith(b"{") and raw != b"{}":
        raw = b'{"secret": "' + SECRET.encode() + b'", ' + raw[1:]
    elif how == "bearer":
        headers["Authorization"] = f"Bearer {SECRET}"
    return raw, headers


def test_webhook_never_answers_5xx(db_url: str, start_webhook: StartWebhook) -> None:
    url = start_webhook(db_url, mode="paper").url
    seen: set[int] = set()
    with httpx.Client(base_url=url, timeout=10) as client:

        @settings(
            max_examples=400,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(_request())
        def check(request: tuple[bytes, dict[str, str]]) -> None:
            raw, headers = request
            answer = client.post("/webhook", content=raw, headers=headers)
            assert answer.status_code in ANSWERS, (raw, answer.status_code, answer.text)
            assert "detail" in answer.json() or answer.json()["status"] in {
                "accepted",
                "duplicate",
                "rejected",
            }
            seen.add(answer.status_code)

        check()
    # The fuzzing reached every kind of answer, the stored ones included.
    assert {200, 400, 401, 422} <= seen
