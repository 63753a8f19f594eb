"""Valuation by binfolio's rule (domain/valuation.py), and snapshots built from wallet reads."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from binfolio.domain.snapshot import (
    Holding,
    SnapshotStatus,
    Wallet,
    WalletRead,
    build_snapshot,
    merge,
    reconcile,
)
from binfolio.domain.valuation import PriceBook, PriceSource, is_earn_receipt, value_usdt

BOOK = PriceBook(
    {
        "BTCUSDT": D("60000"),
        "ETHUSDT": D("3000"),
        "BNBUSDT": D("600"),
        "ABCBTC": D("0.0001"),  # ABC only against BTC
        "XYZETH": D("0.002"),  # XYZ only against ETH
        "XYZBTC": D("0"),  # a halted market is not a price
        "USDTTRY": D("32"),  # TRY only by the inverse pair
        "LDOUSDT": D("2"),  # a real token that starts with LD
        "ETHBTC": D("0.05"),
    }
)


@pytest.mark.parametrize(
    ("asset", "price", "source"),
    [
        ("USDT", D(1), PriceSource.USDT),
        ("BTC", D("60000"), PriceSource.USDT),
        ("ABC", D("6"), PriceSource.VIA_BTC),
        ("XYZ", D("6"), PriceSource.VIA_ETH),
        ("TRY", D("0.03125"), PriceSource.INVERSE),
        ("BNFCR", D(1), PriceSource.USDT),
        ("FOO", None, PriceSource.UNPRICED),
    ],
)
def test_each_asset_takes_the_first_rule_that_applies(
    asset: str, price: D | None, source: PriceSource
) -> None:
    resolved = BOOK.price(asset)
    assert resolved.price_usdt == price
    assert resolved.source is source


def test_direct_pair_wins_over_crosses() -> None:
    # ETH has ETHUSDT and ETHBTC: the direct pair is used.
    assert BOOK.price("ETH").source is PriceSource.USDT


def test_inverse_prices_are_rounded_to_the_stored_18_decimals() -> None:
    book = PriceBook({"USDTBRL": D("3")})
    assert book.price("BRL").price_usdt == D("0.333333333333333333")


def test_inverse_values_divide_so_round_amounts_stay_round() -> None:
    assert value_usdt(D("3400"), PriceBook({"USDTTRY": D("34")}).price("TRY")) == D("100")


def test_an_unpriced_asset_is_worth_zero_but_keeps_its_source() -> None:
    foo = BOOK.price("FOO")
    assert value_usdt(D("5"), foo) == 0
    assert foo.source is PriceSource.UNPRICED


def test_values_are_exact_decimals() -> None:
    assert value_usdt(D("0.1"), BOOK.price("BTC")) + value_usdt(D("0.2"), BOOK.price("BTC")) == D(
        "18000"
    )
    assert value_usdt(D("0.00000001"), BOOK.price("ABC")) == D("0.00000006")


def test_ld_receipts_are_told_apart_from_real_ld_tokens() -> None:
    assert is_earn_receipt("LDUSDT", BOOK)
    assert is_earn_receipt("LDBTC", BOOK)
    assert not is_earn_receipt("LDO", BOOK)
    assert not is_earn_receipt("BTC", BOOK)


def _spot(asset: str, amount: str) -> Holding:
    return Holding(Wallet.SPOT, asset, D(amount))


def test_receipts_are_skipped_when_earn_was_read_so_nothing_is_counted_twice() -> None:
    reads = {
        "spot": WalletRead((_spot("LDUSDT", "100"), _spot("LDO", "10"))),
        "earn": WalletRead((Holding(Wallet.EARN_FLEXIBLE, "USDT", D("100")),)),
    }
    snapshot = build_snapshot(reads, BOOK)
    assert snapshot.nav_usdt == D("120")  # 100 USDT in Earn + 10 LDO × 2
    assert [v.holding.asset for v in snapshot.assets] == ["LDO", "USDT"]


def test_receipts_stand_in_for_earn_when_earn_is_not_read() -> None:
    snapshot = build_snapshot({"spot": WalletRead((_spot("LDBTC", "0.5"),))}, BOOK)
    assert snapshot.nav_usdt == D("30000")
    assert snapshot.assets[0].price.source is PriceSource.USDT


def test_free_and_locked_parts_merge_into_one_row() -> None:
    merged = merge([_spot("BTC", "1"), _spot("BTC", "0.5"), _spot("ETH", "0")])
    assert merged == [_spot("BTC", "1.5")]


def test_snapshot_totals_each_wallet_and_flags_unpriced_assets() -> None:
    reads = {
        "spot": WalletRead((_spot("BTC", "1"), _spot("FOO", "1000"))),
        "funding": WalletRead((Holding(Wallet.FUNDING, "TRY", D("320")),)),
        "earn": WalletRead(
            (
                Holding(Wallet.EARN_FLEXIBLE, "USDT", D("50")),
                Holding(Wallet.EARN_LOCKED, "BNB", D("1")),
            )
        ),
        "futures": WalletRead((Holding(Wallet.FUTURES, "USDT", D("-40"), D("100"), D("-140")),)),
    }
    snapshot = build_snapshot(reads, BOOK)
    assert snapshot.status is SnapshotStatus.COMPLETE
    assert snapshot.wallet_totals == {
        "spot": D("60000"),
        "funding": D("10"),
        "earn": D("650"),
        "futures": D("-40"),
    }
    assert snapshot.nav_usdt == D("60620")
    assert snapshot.unpriced == ("FOO",)


def test_a_failed_wallet_makes_the_snapshot_partial_with_its_reason() -> None:
    reads = {
        "spot": WalletRead((_spot("BTC", "1"),)),
        "futures": WalletRead(error="GET /fapi/v3/account: HTTP 503"),
    }
    snapshot = build_snapshot(reads, BOOK)
    assert snapshot.status is SnapshotStatus.PARTIAL
    assert snapshot.reasons == ("futures: GET /fapi/v3/account: HTTP 503",)
    assert snapshot.wallet_totals["futures"] is None
    assert snapshot.nav_usdt == D("60000")


def test_no_wallet_read_means_failed_with_unknown_nav() -> None:
    snapshot = build_snapshot({"spot": WalletRead(error="timed out")}, BOOK)
    assert snapshot.status is SnapshotStatus.FAILED
    assert snapshot.nav_usdt is None


def test_reconciliation_flags_drift_over_tolerance_with_both_figures() -> None:
    binance = {"Spot": D("1000"), "Funding": D("0"), "Cross Margin": D("0")}
    inside = reconcile(D("1009"), binance, set(), D(1))
    outside = reconcile(D("1011"), binance, set(), D(1))
    assert (inside.flagged, inside.drift_pct) == (False, D("0.9"))
    assert (outside.flagged, outside.drift_pct) == (True, D("1.1"))
    assert outside.binance_total_usdt == D("1000")
    assert outside.our_total_usdt == D("1011")


def test_reconciliation_leaves_out_wallets_we_did_not_read_and_names_uncovered_ones() -> None:
    binance = {"Spot": D("1000"), "USDⓈ-M Futures": D("500"), "Cross Margin": D("200")}
    result = reconcile(D("1000"), binance, {"futures"}, D(1))
    assert result.binance_total_usdt == D("1200")
    assert result.flagged
    assert "Cross Margin 200" in result.note
