"""The report service on stored snapshots, ledger rows and benchmark events (both engines).

Hand-worked scenario (basket 50/50 BTC/ETH, no rebalance inside the period):

- S1 Tue 17th 10:00:59.999, run r1: main NAV 10000 at BTC 50000, ETH 2500 → units (0.1, 2)
- Sat 21st 10:00:59.999: main deposits 1000 USDT; closes BTC 40000, ETH 2000 → (0.1125, 2.25)
- S2 Sun 22nd 10:00:59.999, run r2 (BTC 40000, ETH 2000): main NAV 9500, B = 4500 + 4500 = 9000;
  "side" starts here with NAV 5000 → units (0.0625, 1.25)
- a partial snapshot of main at Sun 16:00 with NAV 1: left out of every figure
- S3 Mon 23rd 10:00:59.999, run r3 (BTC 44000, ETH 2200): main NAV 10450, B = 4950 + 4950 = 9900;
  side NAV 5500, B = 2750 + 2750 = 5500

main, interval 1 (5 days; the deposit 1 day before its end, w = 1/5):
  NAV   gain = 9500 − 10000 − 1000 = −1500, capital = 10000 + 0.2 × 1000 = 10200, r = −5/34
  bench gain = 9000 − 10000 − 1000 = −2000, r = −2000/10200 = −10/51
interval 2: NAV 10450 / 9500 − 1 = 0.1; bench 9900 / 9000 − 1 = 0.1
  TWR = (29/34) × 1.1 − 1;  benchmark TWR = (41/51) × 1.1 − 1
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from binfolio.adapters.storage.database import make_session_factory, transaction
from binfolio.adapters.storage.models import CashFlowRow, KlinePriceRow
from binfolio.adapters.storage.report_repo import ReportRepo
from binfolio.adapters.storage.storage import SqlStorage
from binfolio.domain.benchmark import BasketSpec, kline_minute_ms
from binfolio.domain.periods import Period
from binfolio.domain.types import Asset
from binfolio.services.benchmark.update import update_benchmark
from binfolio.services.report.figures import (
    Report,
    SnapshotMismatchError,
    UnknownAccountError,
    build_report,
    nav_change_net_of_flows,
)
from binfolio.services.report.render import report_csv, report_json
from tests.services.ledger_support import add_account, add_snapshot, minute_end

D = Decimal
SPEC = BasketSpec({Asset("BTC"): D("0.5"), Asset("ETH"): D("0.5")}, "0 12 * * 1")
S1 = minute_end(datetime(2026, 11, 17, 10, 0, tzinfo=UTC))
DEPOSIT = minute_end(datetime(2026, 11, 21, 10, 0, tzinfo=UTC))
S2 = minute_end(datetime(2026, 11, 22, 10, 0, tzinfo=UTC))
S3 = minute_end(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))
UNTIL = datetime(2026, 11, 23, 11, 0, tzinfo=UTC)  # before Monday's 12:00 rebalance
P1 = {"BTC": "50000", "ETH": "2500"}
P2 = {"BTC": "40000", "ETH": "2000"}
P3 = {"BTC": "44000", "ETH": "2200"}


class Stored:
    def __init__(self, engine: Engine) -> None:
        self.factory = make_session_factory(engine)
        self.main = add_account(self.factory, "main")
        self.side = add_account(self.factory, "side")
        self.s1 = add_snapshot(self.factory, self.main, S1, "10000", P1, run_id="r1")
        self.s2 = add_snapshot(self.factory, self.main, S2, "9500", P2, run_id="r2")
        add_snapshot(self.factory, self.side, S2 + timedelta(seconds=2), "5000", P2, run_id="r2")
        add_snapshot(
            self.factory,
            self.main,
            S2 + timedelta(hours=6),
            "1",
            P2,
            run_id="r2b",
            status="partial",
        )
        add_snapshot(self.factory, self.side, S2 + timedelta(hours=6), "5000", P2, run_id="r2b")
        self.s3 = add_snapshot(self.factory, self.main, S3, "10450", P3, run_id="r3")
        add_snapshot(self.factory, self.side, S3 + timedelta(seconds=2), "5500", P3, run_id="r3")
        with transaction(self.factory) as session:
            session.add(
                CashFlowRow(
                    account_id=self.main,
                    kind="deposit",
                    binance_id="d1",
                    coin="USDT",
                    amount=D(1000),
                    fee=D(0),
                    time=DEPOSIT,
                    status=1,
                    value_usdt=D(1000),
                    price_usdt=D(1),
                    price_source="usdt",
                    raw={},
                    recorded_at=S2,
                )
            )
            minute = kline_minute_ms(DEPOSIT)
            session.add_all(
                KlinePriceRow(symbol=f"{asset}USDT", open_time_ms=minute, close=D(price))
                for asset, price in P2.items()
            )

    async def benchmarks(self) -> None:
        for account_id in (self.main, self.side):
            await update_benchmark(
                SqlStorage(self.factory), account_id=account_id, spec=SPEC, klines=None, now=UNTIL
            )

    def report(self, since: datetime | None = None, account: str | None = None) -> Report:
        with self.factory() as session:
            return build_report(ReportRepo(session), Period(since, UNTIL), account)


@pytest.fixture
async def stored(engine: Engine) -> Stored:
    data = Stored(engine)
    await data.benchmarks()
    return data


def line(report: Report, account: str) -> dict[str, object]:
    [entry] = [e for e in report_json(report)["accounts"] if e["account"] == account]
    return entry


async def test_account_figures_match_the_hand_computation(stored: Stored) -> None:
    report = stored.report()
    [main] = [entry for entry in report.lines if entry.account == "main"]
    figures = main.summary

    twr = D(29) / D(34) * D("1.1") - 1
    benchmark_twr = D(41) / D(51) * D("1.1") - 1
    assert figures.twr == twr
    assert figures.benchmark_twr == benchmark_twr
    assert figures.alpha == twr - benchmark_twr
    assert figures.nav_usdt == D(10450)
    assert figures.benchmark_usdt == D(9900)
    assert figures.excess_usdt == D(550)
    assert figures.net_flows_usdt == D(1000)
    assert figures.max_drawdown == D(5) / D(34)  # 1 − 29/34
    assert figures.intervals == 2  # the partial snapshot is left out
    # Two intervals of 5 days and 1 day: 3 days on average → 365.25 / 3 = 121.75 a year.
    r1, r2 = D(-5) / D(34), D("0.1")
    mean = (r1 + r2) / 2
    deviation = ((r1 - mean) ** 2 + (r2 - mean) ** 2).sqrt()
    assert figures.volatility is not None
    assert figures.sharpe is not None
    assert abs(figures.volatility - deviation * D("121.75").sqrt()) < D("1e-20")
    assert abs(figures.sharpe - mean / deviation * D("121.75").sqrt()) < D("1e-20")


async def test_report_json_has_designs_keys_as_decimal_strings(stored: Stored) -> None:
    main = line(stored.report(), "main")

    assert main["nav"] == "10450.00"
    assert main["benchmark_value"] == "9900.00"
    assert main["excess_usdt"] == "550.00"
    assert main["excess_pct"] == "0.0555555556"  # 10450 / 9900 − 1
    assert main["net_flows_usdt"] == "1000.00"
    assert main["twr"] == "-0.0617647059"  # 31.9 / 34 − 1
    assert main["benchmark_twr"] == "-0.1156862745"  # 45.1 / 51 − 1
    assert main["alpha"] == "0.0539215686"
    assert main["max_drawdown"] == "0.1470588235"
    assert set(main) >= {"volatility", "sharpe"}


async def test_an_account_that_starts_later_is_a_contribution_to_all(stored: Stored) -> None:
    report = stored.report()
    total = line(report, "all")
    side = line(report, "side")

    # side: 5000 → 5500, and its benchmark 5000 → 5500: both +10%.
    assert (side["twr"], side["benchmark_twr"], side["alpha"]) == ("0.1", "0.1", "0")
    # all, interval 2: (950 + 500) / (9500 + 5000) = 0.1, the same as main alone; side's 5000
    # is a contribution (net flows 1000 + 5000), never a gain.
    assert total["twr"] == line(report, "main")["twr"]
    assert total["net_flows_usdt"] == "6000.00"
    assert total["nav"] == "15950.00"
    assert total["benchmark_value"] == "15400.00"
    assert total["benchmark_twr"] == line(report, "main")["benchmark_twr"]
    assert report_json(report)["accounts"][-1]["account"] == "all"


async def test_since_starts_at_the_last_complete_snapshot_before_it(stored: Stored) -> None:
    report = stored.report(since=S2 + timedelta(hours=2), account="main")

    main = line(report, "main")
    # Base S2 (the partial at 16:00 does not count): 10450 / 9500 − 1; the deposit was before.
    assert (main["twr"], main["net_flows_usdt"], main["intervals"]) == ("0.1", "0.00", 1)
    assert [entry["account"] for entry in report_json(report)["accounts"]] == ["main", "all"]


async def test_without_total_the_account_line_is_the_same_and_all_is_left_out(
    stored: Stored,
) -> None:
    since = S2 + timedelta(hours=2)
    with stored.factory() as session:
        alone = build_report(ReportRepo(session), Period(since, UNTIL), "main", total=False)

    assert [entry.account for entry in alone.lines] == ["main"]
    assert line(alone, "main") == line(stored.report(since=since, account="main"), "main")


async def test_unknown_account_is_an_error(stored: Stored) -> None:
    with pytest.raises(UnknownAccountError, match="nobody"):
        stored.report(account="nobody")


async def test_csv_has_a_header_and_one_row_per_account(stored: Stored) -> None:
    rows = report_csv(stored.report()).splitlines()
    assert rows[0].startswith("account,nav,benchmark_value,excess_usdt,excess_pct")
    assert [r.split(",")[0] for r in rows[1:]] == ["main", "side", "all"]


async def test_report_without_benchmark_says_so(engine: Engine) -> None:
    data = Stored(engine)  # benchmarks never computed
    report = data.report()
    main = line(report, "main")
    assert main["twr"] == "-0.0617647059"
    assert main["benchmark_value"] is None
    assert any("benchmark rebuild" in w for w in main["warnings"])  # type: ignore[attr-defined]


async def test_nav_change_net_of_flows_removes_the_deposit(stored: Stored) -> None:
    with stored.factory() as session:
        change = nav_change_net_of_flows(ReportRepo(session), stored.main, stored.s1, stored.s2)
        calm = nav_change_net_of_flows(ReportRepo(session), stored.main, stored.s2, stored.s3)

    # 9500 − 10000 − 1000 = −1500 (a loss, not the −500 the raw NAV shows)
    assert change.change_usdt == D(-1500)
    assert change.net_flows_usdt == D(1000)
    assert change.change_pct == D(-5) / D(34)
    assert change.pending_flows == 0
    assert (calm.change_usdt, calm.change_pct) == (D(950), D("0.1"))


async def test_nav_change_refuses_foreign_or_reversed_snapshots(stored: Stored) -> None:
    with stored.factory() as session:
        with pytest.raises(SnapshotMismatchError, match="not later"):
            nav_change_net_of_flows(ReportRepo(session), stored.main, stored.s2, stored.s1)
        with pytest.raises(SnapshotMismatchError, match="not both"):
            nav_change_net_of_flows(ReportRepo(session), stored.side, stored.s1, stored.s2)
        with pytest.raises(SnapshotMismatchError, match="not found"):
            nav_change_net_of_flows(ReportRepo(session), stored.main, stored.s1, 10_000)
