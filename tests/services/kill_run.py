"""A snapshot run in its own process, for the kill test: it stops inside one account's
transaction (after its snapshot and asset rows are written, as its ledger update is written)
and waits there to be killed.

Usage: python kill_run.py BASE_URL DB_URL ACCOUNTS_JSON STOP_AT_ACCOUNT
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from pydantic import SecretStr
from sqlalchemy import event

from binfolio.adapters.binance.exchange import BinanceExchange, Endpoints
from binfolio.adapters.storage.database import make_engine, make_session_factory
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.services.collect.options import AccountTarget, CollectOptions, FlowContext
from binfolio.services.collect.run import collect
from binfolio.services.ports import LedgerUpdate


def main() -> None:
    base_url, db_url, accounts_json, stop_at = sys.argv[1:5]
    targets = [
        AccountTarget(a["name"], SecretStr(a["api_key"]), SecretStr(a["api_secret"]))
        for a in json.loads(accounts_json)
    ]

    async def hook(context: FlowContext) -> LedgerUpdate | None:
        if context.account != stop_at:
            return None
        return LedgerUpdate(synced_until=context.taken_at, recorded_at=context.taken_at)

    engine = make_engine(db_url)

    # The process boundary is the database connection: stall on the one statement that only
    # the stopping account's ledger update sends, inside its snapshot transaction.
    def stall(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "INSERT INTO ledger_syncs" not in statement:
            return
        counter = conn.connection.dbapi_connection.cursor()
        counter.execute("SELECT count(*) FROM snapshot_assets")
        rows = counter.fetchone()[0]
        print(f"IN_TRANSACTION asset_rows_visible={rows}", flush=True)
        time.sleep(60)  # killed here

    event.listen(engine, "before_cursor_execute", stall)
    storage = SqlStorage(make_session_factory(engine))
    options = CollectOptions(concurrency=1, flow_hook=hook, reconcile=False)

    async def run() -> None:
        async with BinanceExchange(Endpoints(base_url, base_url), slots=1) as exchange:
            await collect(targets, exchange=exchange, storage=storage, options=options)

    asyncio.run(run())
    print("FINISHED", flush=True)


if __name__ == "__main__":
    main()
