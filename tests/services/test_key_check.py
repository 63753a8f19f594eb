"""Key checks for `binfolio doctor`, against the simulator's apiRestrictions and clock."""

from __future__ import annotations

from binfolio.services.doctor.key_check import check_keys
from binfolio.services.doctor.results import CheckStatus
from binfolio.simulator.testing import SimulatorHandle
from tests.services.collect_support import exchange, target

READ_ONLY = {"enableSpotAndMarginTrading": False, "enableFutures": True}


async def test_each_key_is_judged_on_its_permissions(simulator: SimulatorHandle) -> None:
    good = simulator.create_account("good", permissions=READ_ONLY)
    withdraw = simulator.create_account(
        "withdraw", permissions={**READ_ONLY, "enableWithdrawals": True}
    )
    trader = simulator.create_account("trader")  # the simulator's default key may trade
    revoked = simulator.create_account("revoked", permissions=READ_ONLY)
    simulator.set_permissions("revoked", enableReading=False)
    no_futures = simulator.create_account("nofutures", permissions={"enableFutures": False})

    async with exchange(simulator) as binance:
        results = await check_keys(
            [target(c) for c in (good, withdraw, trader, revoked, no_futures)], binance
        )

    by_name = {r.name: r for r in results}
    assert by_name["clock"].status is CheckStatus.OK
    assert by_name["key good"].status is CheckStatus.OK
    assert by_name["key withdraw"].status is CheckStatus.FAIL
    assert "withdrawals are enabled" in by_name["key withdraw"].message
    assert "untick 'Enable Withdrawals'" in by_name["key withdraw"].fix
    assert by_name["key trader"].status is CheckStatus.WARN
    assert "trading is enabled" in by_name["key trader"].message
    assert by_name["key revoked"].status is CheckStatus.FAIL
    assert "Binance rejected the key" in by_name["key revoked"].message
    assert by_name["key nofutures"].status is CheckStatus.FAIL
    assert "wallets.futures = false" in by_name["key nofutures"].fix


async def test_clock_skew_beyond_a_second_is_a_warning_with_the_fix(
    simulator: SimulatorHandle,
) -> None:
    simulator.set_clock(skew_ms=-5_000)  # Binance 5 s behind us: we are 5 s ahead

    async with exchange(simulator) as binance:
        [clock] = await check_keys([], binance)

    assert clock.status is CheckStatus.WARN
    assert "5.0 s ahead of Binance's" in clock.message
    assert "timedatectl set-ntp true" in clock.fix
