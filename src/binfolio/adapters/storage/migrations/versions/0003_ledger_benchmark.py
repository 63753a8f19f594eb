"""Ledger and benchmark: cash_flows, kline_prices, ledger_syncs, benchmark_states, benchmark_events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from binfolio.adapters.storage.base import Money, UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cash_flows",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("binance_id", sa.String(length=100), nullable=False),
        sa.Column("coin", sa.String(length=32), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("fee", Money(), nullable=False),
        sa.Column("time", UtcDateTime(), nullable=False),
        sa.Column("completed_at", UtcDateTime(), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("value_usdt", Money(), nullable=True),
        sa.Column("price_usdt", Money(), nullable=True),
        sa.Column("price_source", sa.String(length=16), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_cash_flows_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cash_flows")),
        sa.UniqueConstraint(
            "account_id",
            "kind",
            "binance_id",
            name=op.f("uq_cash_flows_account_id_kind_binance_id"),
        ),
    )
    op.create_index("ix_cash_flows_account_id_time", "cash_flows", ["account_id", "time"])
    op.create_table(
        "kline_prices",
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("open_time_ms", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("close", Money(), nullable=False),
        sa.PrimaryKeyConstraint("symbol", "open_time_ms", name=op.f("pk_kline_prices")),
    )
    op.create_table(
        "ledger_syncs",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("synced_until", UtcDateTime(), nullable=False),
        sa.Column("synced_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_ledger_syncs_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_ledger_syncs")),
    )
    op.create_table(
        "benchmark_states",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("spec_fingerprint", sa.String(length=16), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("rebalance_cron", sa.String(length=64), nullable=False),
        sa.Column("start_snapshot_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("last_event_time", UtcDateTime(), nullable=False),
        sa.Column("last_event_rank", sa.Integer(), nullable=False),
        sa.Column("last_event_ref", sa.String(length=100), nullable=False),
        sa.Column("event_count", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_benchmark_states_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["start_snapshot_id"],
            ["snapshots.id"],
            name=op.f("fk_benchmark_states_start_snapshot_id_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_benchmark_states")),
    )
    op.create_table(
        "benchmark_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("time", UtcDateTime(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("cash_flow_id", sa.Integer(), nullable=True),
        sa.Column("value_usdt", Money(), nullable=False),
        sa.Column("net_flow_usdt", Money(), nullable=False),
        sa.Column("units_before", sa.JSON(), nullable=False),
        sa.Column("units_after", sa.JSON(), nullable=False),
        sa.Column("prices", sa.JSON(), nullable=False),
        sa.Column("warning", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_benchmark_events_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["cash_flow_id"],
            ["cash_flows.id"],
            name=op.f("fk_benchmark_events_cash_flow_id_cash_flows"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_benchmark_events")),
        sa.UniqueConstraint("account_id", "seq", name=op.f("uq_benchmark_events_account_id_seq")),
    )
    op.create_index(
        "ix_benchmark_events_account_id_time", "benchmark_events", ["account_id", "time"]
    )


def downgrade() -> None:
    op.drop_index("ix_benchmark_events_account_id_time", table_name="benchmark_events")
    op.drop_table("benchmark_events")
    op.drop_table("benchmark_states")
    op.drop_table("ledger_syncs")
    op.drop_table("kline_prices")
    op.drop_index("ix_cash_flows_account_id_time", table_name="cash_flows")
    op.drop_table("cash_flows")
