"""Snapshots: snapshots, snapshot_assets, run_prices.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from binfolio.adapters.storage.base import Money, UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("taken_at", UtcDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("nav_usdt", Money(), nullable=True),
        sa.Column("spot_usdt", Money(), nullable=True),
        sa.Column("funding_usdt", Money(), nullable=True),
        sa.Column("earn_usdt", Money(), nullable=True),
        sa.Column("futures_usdt", Money(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("unpriced", sa.JSON(), nullable=False),
        sa.Column("binance_total_usdt", Money(), nullable=True),
        sa.Column("drift_pct", Money(), nullable=True),
        sa.Column("drift_flagged", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_snapshots_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_snapshots_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshots")),
        sa.UniqueConstraint("run_id", "account_id", name=op.f("uq_snapshots_run_id_account_id")),
    )
    op.create_index("ix_snapshots_account_id_taken_at", "snapshots", ["account_id", "taken_at"])
    op.create_table(
        "snapshot_assets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("wallet", sa.String(length=16), nullable=False),
        sa.Column("asset", sa.String(length=32), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("price", Money(), nullable=True),
        sa.Column("price_source", sa.String(length=16), nullable=False),
        sa.Column("value_usdt", Money(), nullable=False),
        sa.Column("wallet_balance", Money(), nullable=True),
        sa.Column("unrealized_pnl", Money(), nullable=True),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["snapshots.id"],
            name=op.f("fk_snapshot_assets_snapshot_id_snapshots"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshot_assets")),
        sa.UniqueConstraint(
            "snapshot_id",
            "wallet",
            "asset",
            name=op.f("uq_snapshot_assets_snapshot_id_wallet_asset"),
        ),
    )
    op.create_table(
        "run_prices",
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("asset", sa.String(length=32), nullable=False),
        sa.Column("price_usdt", Money(), nullable=False),
        sa.Column("price_source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["runs.id"], name=op.f("fk_run_prices_run_id_runs"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("run_id", "asset", name=op.f("pk_run_prices")),
    )


def downgrade() -> None:
    op.drop_table("run_prices")
    op.drop_table("snapshot_assets")
    op.drop_index("ix_snapshots_account_id_taken_at", table_name="snapshots")
    op.drop_table("snapshots")
