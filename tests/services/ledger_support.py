"""Shared set-up of the ledger, benchmark and report tests: the simulator and stored snapshots.

The simulator runs in-process behind ``httpx.ASGITransport`` (real routes, real signing) with its
market clock frozen, so that a test decides every instant. Prices are set at the *last
millisecond* of a minute: that makes the minute's kline close exactly the price that was set,
which keeps the expected values round enough to work out by hand.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from binfolio.adapters.binance.client import BinanceClient
from binfolio.adapters.binance.limiter import WeightLimiter
from binfolio.adapters.storage.database import transaction
from binfolio.adapters.storage.ledger_repo import write_ledger_update
from binfolio.adapters.storage.models import AccountRow, RunPriceRow, RunRow, SnapshotRow
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.domain.clock import from_ms, to_ms, utc_now
from binfolio.services.ledger.sync import SyncResult, fetch_cash_flows
from binfolio.services.ports import LedgerUpdate
from binfolio.simulator import SimulatorConfig, create_app

MINUTE = timedelta(minutes=1)


def minute_end(moment: datetime) -> datetime:
    """The last millisecond of the minute containing ``moment``."""
    start_ms = to_ms(moment) // 60_000 * 60_000
    return from_ms(start_ms + 59_999)


@dataclass
class Sim:
    """Admin calls on an in-process simulator, and signed clients for its accounts."""

    http: httpx.AsyncClient

    async def admin(self, path: str, body: Mapping[str, Any]) -> Any:
        response = await self.http.post(f"/_sim/{path}", json=dict(body))
        assert response.status_code == 200, response.text
        return response.json()

    async def at(self, moment: datetime) -> None:
        await self.admin("clock", {"set_ms": to_ms(moment)})

    async def prices(self, **prices: str) -> None:
        await self.admin("prices", prices)

    async def account(self, name: str, balances: Mapping[str, Any] | None = None) -> BinanceClient:
        created = await self.admin("accounts", {"name": name, "balances": balances or {}})
        return BinanceClient(
            self.http,
            base_url="http://sim",
            futures_base_url="http://sim",
            api_key=SecretStr(created["api_key"]),
            api_secret=SecretStr(created["api_secret"]),
            limiter=WeightLimiter(),
            clock=utc_now,
        )

    async def deposit(self, account: str, coin: str, amount: str, **extra: Any) -> Any:
        return await self.admin(
            "deposits", {"account": account, "coin": coin, "amount": amount, **extra}
        )

    async def withdrawal(self, account: str, coin: str, amount: str, fee: str, **extra: Any) -> Any:
        return await self.admin(
            "withdrawals",
            {"account": account, "coin": coin, "amount": amount, "fee": fee, **extra},
        )

    async def symbols(self) -> set[str]:
        response = await self.http.get("/api/v3/ticker/price")
        return {row["symbol"] for row in response.json()}


@asynccontextmanager
async def asgi_simulator(start: datetime) -> AsyncIterator[Sim]:
    """A frozen simulator whose market clock reads ``start``."""
    app = create_app(SimulatorConfig(speed=0, start_ms=to_ms(start)))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        yield Sim(http)


async def sync(
    factory: sessionmaker[Session],
    account_id: int,
    client: BinanceClient,
    symbols: set[str],
    now: datetime,
) -> SyncResult:
    """One ledger sync of the account through its simulator client, written on its own."""
    storage = SqlStorage(factory)
    batch = await fetch_cash_flows(
        storage, account_id=account_id, history=client, klines=client, symbols=symbols, now=now
    )
    await storage.db.call(write_ledger, factory, account_id, batch.update)
    return batch.result


def write_ledger(factory: sessionmaker[Session], account_id: int, update: LedgerUpdate) -> None:
    """A ledger update in a transaction of its own (a run writes it with the snapshot)."""
    with transaction(factory) as session:
        write_ledger_update(session, account_id, update)


def add_account(factory: sessionmaker[Session], name: str) -> int:
    with transaction(factory) as session:
        row = AccountRow(name=name, created_at=utc_now())
        session.add(row)
        session.flush()
        return row.id


def add_snapshot(
    factory: sessionmaker[Session],
    account_id: int,
    taken_at: datetime,
    nav_usdt: str,
    prices: Mapping[str, str],
    *,
    status: str = "complete",
    run_id: str | None = None,
) -> int:
    """A run (if new) with its prices, and one account's snapshot in it."""
    run_id = run_id or str(uuid.uuid4())
    with transaction(factory) as session:
        if session.get(RunRow, run_id) is None:
            session.add(
                RunRow(
                    id=run_id,
                    kind="snapshot",
                    status="complete",
                    started_at=taken_at,
                    requests=0,
                    weight_used=0,
                    errors=[],
                    detail={},
                )
            )
            session.flush()
            session.add_all(
                RunPriceRow(run_id=run_id, asset=a, price_usdt=Decimal(p), price_source="usdt")
                for a, p in prices.items()
            )
        row = SnapshotRow(
            run_id=run_id,
            account_id=account_id,
            taken_at=taken_at,
            status=status,
            nav_usdt=Decimal(nav_usdt),
            reasons=[],
            unpriced=[],
            drift_flagged=False,
        )
        session.add(row)
        session.flush()
        return row.id
