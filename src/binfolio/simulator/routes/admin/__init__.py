"""The admin API under ``/_sim/``: JSON in, JSON out, loopback only, unsigned.

Tests, benchmarks and the demo use it to create accounts and keys, set balances and prices,
add deposits and withdrawals, move the clock, inject faults, and read the request log. Bodies
are the pydantic models of ``schemas``. Mistakes answer ``{"error": "..."}`` that says
what to fix: 400 for a bad body or a value the simulator refuses, 403 off loopback, 404 for an
unknown account, 409 for a name or key that is taken. Routes find the simulator's state at
``request.app.state.sim`` (set by ``create_app``).
"""

from __future__ import annotations

from fastapi import APIRouter

from binfolio.simulator.routes.admin import accounts, controls

router = APIRouter(prefix="/_sim", tags=["simulator admin"])
router.include_router(accounts.router)
router.include_router(controls.router)
