"""A snapshot run in its own process, for the kill test: it stops inside one account's
transaction (after its snapshot and asset rows are flushed) and waits there to be killed.

Usage: python kill_run.py BASE_URL DB_URL ACCOUNTS_JSON STOP_AT_ACCOUNT
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from binfolio.adapters.storage.database import make_engine, make_session_factory
from binfolio.adapters.storage.models import SnapshotAssetRow
from binfolio.adapters.storage.snapshot_store import FlowWriter
from binfolio.services.collect.run import (
    AccountTarget,
    CollectOptions,
    Endpoints,
    FlowContext,
    collect,
)


def main() -> None:
    base_url, db_url, accounts_json, stop_at = sys.argv[1:5]
    targets = [
        AccountTarget(a["name"], SecretStr(a["api_key"]), SecretStr(a["api_secret"]))
        for a in json.loads(accounts_json)
    ]

    async def hook(context: FlowContext) -> FlowWriter | None:
        if context.account != stop_at:
            return None

        def stall(session: Session, account_id: int) -> None:
            rows = session.scalar(select(func.count()).select_from(SnapshotAssetRow))
            print(f"IN_TRANSACTION asset_rows_visible={rows}", flush=True)
            time.sleep(60)  # killed here

        return stall

    factory = make_session_factory(make_engine(db_url))
    options = CollectOptions(concurrency=1, flow_hook=hook, reconcile=False)
    asyncio.run(
        collect(
            targets,
            endpoints=Endpoints(base_url, base_url),
            session_factory=factory,
            options=options,
        )
    )
    print("FINISHED", flush=True)


if __name__ == "__main__":
    main()
