"""``GET /health``: is the dashboard up and its database ready? No token needed, nothing
private told."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from binfolio.entrypoints.web.dashboard.deps import (
    DashboardState,
    DatabaseNotReadyError,
    get_state,
)
from binfolio.entrypoints.web.dashboard.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses={503: {"model": Health}})
def health(state: Annotated[DashboardState, Depends(get_state)]) -> JSONResponse:
    """200 when the database is reachable and migrated, else 503 with what to do."""
    try:
        state.check_ready(again=True)
    except DatabaseNotReadyError as exc:
        body = Health(status="degraded", database=exc.state, detail=str(exc))
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(Health(status="ok", database="ok").model_dump())
