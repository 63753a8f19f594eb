"""Modified Dietz, TWR, drawdown, volatility, Sharpe and the all-accounts total, by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from binfolio.domain.performance import (
    FlowAt,
    Interval,
    ReturnFigures,
    ValuePoint,
    chain,
    figures,
    intervals,
    max_drawdown,
    modified_dietz,
)
from binfolio.domain.periods import PeriodError, parse_moment, resolve
from binfolio.domain.portfolio import (
    AccountSeries,
    SeriesPoint,
    summarise_account,
    summarise_all,
)

D = Decimal
T = datetime(2026, 11, 1, tzinfo=UTC)


def at(days: float) -> datetime:
    return T + timedelta(days=days)


def test_interval_without_flows_is_the_plain_return() -> None:
    interval = modified_dietz(ValuePoint(at(0), D(100)), ValuePoint(at(1), D(110)), [])
    assert interval.ret == D("0.1")


def test_deposit_in_the_middle_counts_half_its_value_as_capital() -> None:
    # B = 1000, deposit 500 at the midpoint, E = 1600.
    # gain = 1600 − 1000 − 500 = 100; capital = 1000 + 0.5 × 500 = 1250; r = 100 / 1250 = 0.08
    interval = modified_dietz(
        ValuePoint(at(0), D(1000)), ValuePoint(at(10), D(1600)), [FlowAt(at(5), D(500))]
    )
    assert interval.gain_usdt == D(100)
    assert interval.capital_usdt == D(1250)
    assert interval.ret == D("0.08")


def test_two_flows_in_one_interval_are_each_weighted_by_the_time_left() -> None:
    # 10-day interval, B = 1000; +1000 on day 2 (w = 8/10), −500 on day 7 (w = 3/10); E = 1700.
    # gain = 1700 − 1000 − (1000 − 500) = 200
    # capital = 1000 + 0.8 × 1000 − 0.3 × 500 = 1650;  r = 200 / 1650 = 0.121212…
    interval = modified_dietz(
        ValuePoint(at(0), D(1000)),
        ValuePoint(at(10), D(1700)),
        [FlowAt(at(2), D(1000)), FlowAt(at(7), D(-500))],
    )
    assert interval.net_flow_usdt == D(500)
    assert interval.capital_usdt == D(1650)
    assert interval.ret == D(200) / D(1650)


def test_flow_at_the_interval_end_has_zero_weight() -> None:
    # B = 1000, +500 exactly at the end (already in E = 1600): r = 100 / 1000 = 0.1
    interval = modified_dietz(
        ValuePoint(at(0), D(1000)), ValuePoint(at(1), D(1600)), [FlowAt(at(1), D(500))]
    )
    assert interval.ret == D("0.1")


def test_flow_is_attached_to_the_interval_it_happened_in_not_the_nearest_snapshot() -> None:
    # Snapshots 10:00, 11:00, 12:00; deposit at 10:30, not rounded down to the 10:00 snapshot.
    ten = datetime(2026, 11, 1, 10, tzinfo=UTC)
    points = [
        ValuePoint(ten, D(1000)),
        ValuePoint(ten + timedelta(hours=1), D(2000)),
        ValuePoint(ten + timedelta(hours=2), D(2000)),
    ]

    spans = intervals(points, [FlowAt(ten + timedelta(minutes=30), D(1000))])

    # (10:00, 11:00]: gain 2000 − 1000 − 1000 = 0 → 0; (11:00, 12:00]: 0
    assert [s.net_flow_usdt for s in spans] == [D(1000), D(0)]
    assert [s.ret for s in spans] == [D(0), D(0)]


def test_flows_before_the_first_point_are_outside_every_interval() -> None:
    points = [ValuePoint(at(1), D(1000)), ValuePoint(at(2), D(1100))]
    spans = intervals(points, [FlowAt(at(0), D(400)), FlowAt(at(1), D(300))])
    assert spans[0].net_flow_usdt == 0
    assert spans[0].ret == D("0.1")


def test_flow_outside_the_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="outside"):
        modified_dietz(ValuePoint(at(0), D(1)), ValuePoint(at(1), D(1)), [FlowAt(at(2), D(1))])


def test_interval_with_no_capital_has_zero_return() -> None:
    interval = modified_dietz(ValuePoint(at(0), D(0)), ValuePoint(at(1), D(0)), [])
    assert interval.ret == 0


def test_chain_links_interval_returns() -> None:
    # 1.1 × 0.95 − 1 = 0.045
    assert chain([D("0.1"), D("-0.05")]) == D("0.045")


def test_max_drawdown_is_the_deepest_fall_from_a_peak() -> None:
    # index: 1.1, 0.88, 0.968, 0.8712; peak 1.1; 1 − 0.8712 / 1.1 = 0.208
    assert max_drawdown([D("0.1"), D("-0.2"), D("0.1"), D("-0.1")]) == D("0.208")
    assert max_drawdown([D("0.1"), D("0.1")]) == 0


def test_volatility_annualises_by_the_observed_interval_length() -> None:
    points = [ValuePoint(at(0), D(100)), ValuePoint(at(1), D(101)), ValuePoint(at(2), D("99.99"))]
    spans = intervals(points, [])
    # r = 0.01, −0.01; mean 0; sample variance (0.0001 + 0.0001) / 1 = 0.0002
    # daily intervals → 365.25 per year; vol = √0.0002 × √365.25 = √0.07305 ≈ 0.27028
    result = figures([i.ret for i in spans], spans[0].start, spans[-1].end)
    volatility, sharpe = result.volatility, result.sharpe
    assert volatility is not None
    assert abs(volatility - D("0.07305").sqrt()) < D("1e-20")
    assert sharpe == 0


def test_sharpe_is_mean_over_deviation_annualised_with_zero_risk_free_rate() -> None:
    points = [ValuePoint(at(0), D(100)), ValuePoint(at(1), D(102)), ValuePoint(at(2), D(102))]
    # r = 0.02, 0; mean 0.01; sd √0.0002; Sharpe = 0.01 / √0.0002 × √365.25 ≈ 13.5139
    sharpe = span_figures(intervals(points, [])).sharpe
    assert sharpe is not None
    expected = D("0.01") / D("0.0002").sqrt() * D("365.25").sqrt()
    assert abs(sharpe - expected) < D("1e-20")
    assert round(sharpe, 4) == D("13.5139")


def test_one_interval_has_no_volatility() -> None:
    result = span_figures(intervals([ValuePoint(at(0), D(1)), ValuePoint(at(1), D(2))], []))
    assert result.twr == 1
    assert result.volatility is None
    assert result.sharpe is None


def series(*rows: tuple[str, float, str, str], flows: list[FlowAt] | None = None) -> AccountSeries:
    points = [SeriesPoint(group, at(day), D(nav), D(bench)) for group, day, nav, bench in rows]
    return AccountSeries.of(points, flows or [], flows or [], points[-1].time if points else None)


def test_account_summary_nav_benchmark_excess_and_alpha() -> None:
    summary = summarise_account(
        series(("r1", 0, "1000", "1000"), ("r2", 1, "1100", "1050"), ("r3", 2, "1210", "1102.5"))
    )
    # TWR 1.1 × 1.1 − 1 = 0.21; benchmark 1.05 × 1.05 − 1 = 0.1025; alpha 0.1075
    assert summary.twr == D("0.21")
    assert summary.benchmark_twr == D("0.1025")
    assert summary.alpha == D("0.1075")
    # excess 1210 − 1102.5 = 107.5; 1210 / 1102.5 − 1 = 0.0975…
    assert summary.excess_usdt == D("107.5")
    assert summary.excess_pct == D(1210) / D("1102.5") - 1
    assert summary.nav_usdt == D(1210)
    assert summary.intervals == 2


def test_twr_ignores_a_deposit_that_net_flows_report() -> None:
    flows = [FlowAt(at(1), D(500))]
    summary = summarise_account(
        series(("r1", 0, "1000", "1000"), ("r2", 1, "1500", "1500"), flows=flows)
    )
    assert summary.twr == 0
    assert summary.net_flows_usdt == D(500)


def test_account_without_benchmark_reports_nav_figures_only() -> None:
    points = [SeriesPoint("r1", at(0), D(100), None), SeriesPoint("r2", at(1), D(110), None)]
    summary = summarise_account(AccountSeries.of(points))
    assert summary.twr == D("0.1")
    assert summary.benchmark_twr is None
    assert summary.alpha is None
    assert summary.excess_usdt is None


def test_account_that_starts_later_enters_the_total_as_a_contribution_not_a_gain() -> None:
    # A: 1000 → 1100 → 1210 (10% a run).  B starts at r2 with 5000 → 5500 (10%).
    a = series(("r1", 0, "1000", "1000"), ("r2", 1, "1100", "1100"), ("r3", 2, "1210", "1210"))
    b = series(("r2", 1, "5000", "5000"), ("r3", 2, "5500", "5500"))

    total = summarise_all([a, b])

    # r1→r2: A only, 0.1.  r2→r3: (110 + 500) / (1100 + 5000) = 0.1.  TWR = 1.1² − 1 = 0.21
    # (counting B's 5000 as a gain would give (6100 − 1000) / 1000 = 5.1 on the first interval).
    assert total.twr == D("0.21")
    assert total.nav_usdt == D(6710)
    # B's 5000 entered as a contribution.
    assert total.net_flows_usdt == D(5000)
    assert total.intervals == 2


def test_total_of_accounts_complete_in_the_same_runs_sums_their_dietz_terms() -> None:
    # A: 1000 → 1100 with a deposit of 50 half-way;  B: 2000 → 2100.
    a = series(("r1", 0, "1000", "1000"), ("r2", 1, "1100", "1100"), flows=[FlowAt(at(0.5), D(50))])
    b = series(("r1", 0, "2000", "2000"), ("r2", 1, "2100", "2100"))

    total = summarise_all([a, b])

    # gain (1100 − 1000 − 50) + (2100 − 2000) = 150; capital 1000 + 0.5 × 50 + 2000 = 3025
    # (chained as (1 + r) − 1, which rounds to 28 significant digits on the way)
    assert total.twr == chain([D(150) / D(3025)])
    assert total.benchmark_twr == total.twr
    assert total.net_flows_usdt == D(50)
    assert (total.nav_usdt, total.benchmark_usdt) == (D(3200), D(3200))


def test_total_skips_runs_where_an_active_account_is_not_complete() -> None:
    # B was partial at r2 (no complete point): the total goes from r1 straight to r3.
    a = series(("r1", 0, "1000", "1000"), ("r2", 1, "1100", "1100"), ("r3", 2, "1210", "1210"))
    b = series(("r1", 0, "1000", "1000"), ("r3", 2, "1000", "1000"))

    total = summarise_all([a, b])

    # r1→r3: (210 + 0) / 2000 = 0.105
    assert total.intervals == 1
    assert total.twr == D("0.105")


def test_account_that_stops_being_collected_leaves_the_total() -> None:
    a = series(("r1", 0, "1000", "1000"), ("r2", 1, "1100", "1100"), ("r3", 2, "1210", "1210"))
    b = series(("r1", 0, "3000", "3000"), ("r2", 1, "3000", "3000"))

    total = summarise_all([a, b])

    # r1→r2: 100 / 4000 = 0.025;  r2→r3: A only, 0.1;  1.025 × 1.1 − 1 = 0.1275
    assert total.twr == D("0.1275")
    assert total.nav_usdt == D(1210)
    assert total.net_flows_usdt == D(-3000)


def test_total_of_nothing_is_empty() -> None:
    assert summarise_all([]).nav_usdt is None
    assert summarise_account(AccountSeries.of([])).twr is None


NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("preset", "since"),
    [
        ("24h", datetime(2026, 11, 21, 15, 30, tzinfo=UTC)),
        ("7d", datetime(2026, 11, 15, 15, 30, tzinfo=UTC)),
        ("30d", datetime(2026, 10, 23, 15, 30, tzinfo=UTC)),
        ("90d", datetime(2026, 8, 24, 15, 30, tzinfo=UTC)),
        ("ytd", datetime(2026, 1, 1, tzinfo=UTC)),
        ("1y", datetime(2025, 11, 22, 15, 30, tzinfo=UTC)),
        ("all", None),
    ],
)
def test_period_presets_count_back_from_until(preset: str, since: datetime | None) -> None:
    period = resolve(preset=preset, since=None, until=None, now=NOW)
    assert period.since == since
    assert period.until == NOW


def test_until_date_includes_that_whole_day() -> None:
    period = resolve(preset=None, since="2026-11-01", until="2026-11-21", now=NOW)
    assert period.since == datetime(2026, 11, 1, tzinfo=UTC)
    assert period.until == datetime(2026, 11, 22, tzinfo=UTC)


def test_iso_times_with_zone_are_converted_to_utc() -> None:
    assert parse_moment("2026-11-01T12:00:00+02:00") == datetime(2026, 11, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("preset", "since", "until", "message"),
    [
        ("2w", None, None, "unknown period"),
        ("7d", "2026-01-01", None, "not both"),
        (None, "2026-12-01", "2026-11-01", "not before"),
        (None, "yesterday", None, "not a date"),
    ],
)
def test_bad_periods_are_refused(
    preset: str | None, since: str | None, until: str | None, message: str
) -> None:
    with pytest.raises(PeriodError, match=message):
        resolve(preset=preset, since=since, until=until, now=NOW)


def span_figures(span: list[Interval]) -> ReturnFigures:
    """TWR, drawdown, volatility and Sharpe of a chain of intervals, as the report takes them."""
    return figures([i.ret for i in span], span[0].start, span[-1].end)
