"""GET /health over a real database: 200 when fresh, 503 with reasons when stale or unreadable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from binfolio.adapters.storage.database import make_session_factory
from binfolio.adapters.storage.models import AccountRow, RunRow, SnapshotRow
from binfolio.adapters.storage.schedule_repo import ScheduleRepo
from binfolio.entrypoints.web.health import create_health_app
from binfolio.services.schedule.cron import Schedule
from binfolio.services.schedule.health import HealthReport, check_health
from binfolio.services.schedule.ports import CollectorBeat

NOW = datetime(2026, 3, 4, 12, 30, tzinfo=UTC)


async def get_health(app: FastAPI) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        return await client.get("/health")


async def test_health_answers_200_when_fresh_and_503_naming_the_stale_account(
    engine: Engine,
) -> None:
    factory = make_session_factory(engine)
    repo = ScheduleRepo(factory)
    with factory.begin() as session:
        fresh, stale = (
            AccountRow(name="fresh", created_at=NOW),
            AccountRow(name="stale", created_at=NOW),
        )
        session.add_all(
            [fresh, stale, RunRow(id="r", kind="snapshot", status="complete", started_at=NOW)]
        )
        session.flush()
        session.add(
            SnapshotRow(
                run_id="r",
                account_id=fresh.id,
                taken_at=NOW - timedelta(minutes=30),
                status="complete",
            )
        )
    repo.beat(
        CollectorBeat("c", "host", 7, "0 * * * *", NOW, NOW, NOW + timedelta(minutes=30), None)
    )

    def read(names: list[str]) -> HealthReport:
        return check_health(repo, names, Schedule("0 * * * *"), NOW, grace=timedelta(minutes=1))

    ok = await get_health(create_health_app(lambda: read(["fresh"])))
    unhealthy = await get_health(create_health_app(lambda: read(["fresh", "stale"])))

    assert ok.status_code == 200
    assert ok.json()["next_run_at"] == "2026-03-04T13:00:00+00:00"
    assert ok.json()["accounts"][0]["age_s"] == 1800.0
    assert unhealthy.status_code == 503
    assert unhealthy.json()["reasons"] == ["stale: no complete snapshot yet"]


async def test_an_unreadable_database_is_a_503_with_the_reason_not_a_500() -> None:
    def read() -> HealthReport:
        raise OperationalError("select 1", {}, Exception("connection refused"))

    answer = await get_health(create_health_app(read))

    assert answer.status_code == 503
    assert answer.json() == {
        "status": "unhealthy",
        "reasons": ["database unavailable: OperationalError"],
    }
