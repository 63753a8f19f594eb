"""A key refused for one wallet costs that wallet, not the account; a bad key still fails it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from binfolio.adapters.storage.models import SnapshotRow
from binfolio.simulator.testing import SimulatorHandle
from tests.services.collect_support import PRICES, run, simple_account, sqlite_factory, target


async def test_a_key_without_futures_permission_gives_a_partial_snapshot_not_a_failed_one(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    simulator.set_prices(PRICES)
    others = [simple_account(simulator, name) for name in ("a", "c")]
    spot_only = simulator.create_account(
        "spotonly",
        balances={
            "spot": {"USDT": "1000", "BTC": "0.1"},
            "funding": {"USDT": "50"},
            "futures": {"USDT": "100"},
        },
        permissions={"enableFutures": False},
    )
    factory = sqlite_factory(tmp_path)

    result = await run(simulator, [target(c) for c in (others[0], spot_only, others[1])], factory)

    status = {a.account: a.status.value for a in result.accounts}
    assert status == {"a": "complete", "spotonly": "partial", "c": "complete"}
    account = next(a for a in result.accounts if a.account == "spotonly")
    assert account.nav_usdt == Decimal("7050")  # 1000 + 0.1 BTC × 60,000 + 50; futures left out
    assert account.wallet_totals["spot"] == Decimal("7000")
    assert account.wallet_totals["funding"] == Decimal("50")
    assert account.wallet_totals["futures"] is None
    reason = account.errors[0]
    assert reason.startswith("futures: GET /fapi/v3/account refused the API key (code -2015)")
    assert "lacks futures permission" in reason
    assert "`wallets = { futures = false }`" in reason
    assert "[[accounts]]" in reason
    assert not any("check the API key" in e for e in account.errors)
    assert account.snapshot_id is not None
    with factory() as session:
        row = session.get_one(SnapshotRow, account.snapshot_id)
        assert (row.status, row.nav_usdt) == ("partial", Decimal("7050"))


async def test_a_revoked_key_still_fails_the_account_when_spot_is_refused(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    creds = simple_account(simulator, "revoked")
    simulator.set_permissions("revoked", enableReading=False, enableFutures=False)

    result = await run(simulator, [target(creds)], sqlite_factory(tmp_path))

    [account] = result.accounts
    assert account.status.value == "failed"
    assert account.nav_usdt is None
    assert account.errors[0].startswith("GET /api/v3/account")
    assert "check the API key" in account.errors[0]


async def test_reconciliation_refused_for_the_key_is_a_note_not_a_failure(
    simulator: SimulatorHandle, tmp_path: Path
) -> None:
    simulator.set_prices(PRICES)
    creds = simple_account(simulator, "main")
    simulator.set_faults(endpoint="/sapi/v1/asset/wallet/balance", status=401, code=-2015)

    result = await run(simulator, [target(creds)], sqlite_factory(tmp_path))

    [account] = result.accounts
    assert account.status.value == "complete"
    assert account.nav_usdt == Decimal("7100")  # 1000 + 0.1 BTC × 60,000 + 100 futures
    assert account.reconciliation is None
    [note] = account.errors
    assert note.startswith("reconciliation unavailable: GET /sapi/v1/asset/wallet/balance refused")
    assert "`reconcile = false`" in note
