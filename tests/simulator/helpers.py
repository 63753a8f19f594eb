"""Helpers for simulator tests: signing requests like a real client, and shape checks."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI

from binfolio.simulator.state import SimState

START_MS = 1_790_000_000_000  # 2026-09-21 14:13:20 UTC, mid-minute on purpose


@dataclass(frozen=True)
class Keys:
    """An account's credentials as the admin API returns them."""

    name: str
    api_key: str
    api_secret: str


def signature(secret: str, payload: str) -> str:
    """Binance's HMAC-SHA256 hex signature."""
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def now_ms() -> int:
    """The wall clock in ms: what a client that never synced would send."""
    return int(time.time() * 1000)


@dataclass
class Sim:
    """An in-process simulator and a client for it."""

    client: httpx.AsyncClient
    app: FastAPI

    @property
    def state(self) -> SimState:
        """The simulator's state (for assertions only; tests act through HTTP)."""
        state: SimState = self.app.state.sim
        return state

    async def admin(self, method: str, path: str, body: Any = None) -> Any:
        """Call an admin route and return its JSON, asserting success."""
        response = await self.client.request(method, f"/_sim{path}", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    async def account(self, name: str = "main", **body: Any) -> Keys:
        """Create an account."""
        answer = await self.admin("POST", "/accounts", {"name": name, **body})
        return Keys(answer["name"], answer["api_key"], answer["api_secret"])

    async def public(self, path: str, **params: Any) -> httpx.Response:
        """An unsigned GET."""
        return await self.client.get(path, params=params)

    async def signed(
        self,
        method: str,
        path: str,
        keys: Keys,
        *,
        in_body: bool = False,
        timestamp: int | None = None,
        secret: str | None = None,
        **params: Any,
    ) -> httpx.Response:
        """A signed request: params + timestamp, signed over the percent-encoded payload."""
        params = {**params, "timestamp": now_ms() if timestamp is None else timestamp}
        payload = urlencode({k: str(v) for k, v in params.items()})
        query = f"{payload}&signature={signature(secret or keys.api_secret, payload)}"
        headers = {"X-MBX-APIKEY": keys.api_key}
        if in_body:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            return await self.client.request(method, path, content=query, headers=headers)
        return await self.client.request(method, f"{path}?{query}", headers=headers)


def assert_shape(actual: Any, example: Any, where: str = "$") -> None:
    """``actual`` has every key of the documented ``example`` with the same JSON type."""
    if isinstance(example, dict):
        assert isinstance(actual, dict), f"{where}: expected object, got {actual!r}"
        missing = set(example) - set(actual)
        assert not missing, f"{where}: missing fields {sorted(missing)}"
        for key, value in example.items():
            if value is not None:
                assert_shape(actual[key], value, f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(actual, list), f"{where}: expected array, got {actual!r}"
        if example and actual:
            for item in actual:
                assert_shape(item, example[0], f"{where}[]")
    else:
        # bool is a subclass of int: compare exact JSON types.
        assert type(actual) is type(example), (
            f"{where}: {type(actual).__name__} {actual!r}, documented {type(example).__name__}"
        )
