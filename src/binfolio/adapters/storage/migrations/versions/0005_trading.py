"""Trading: signals, orders, paper balances, trader state (issue: webhook trader).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from binfolio.adapters.storage.base import Money, UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trader_state",
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("paused_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("mode", name=op.f("pk_trader_state")),
    )
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("signal_key", sa.String(length=200), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=True),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("order_type", sa.String(length=16), nullable=False),
        sa.Column("strategy", sa.String(length=64), nullable=False),
        sa.Column("timeframe", sa.String(length=16), nullable=False),
        sa.Column("confidence", Money(), nullable=True),
        sa.Column("amount_usdt", Money(), nullable=False),
        sa.Column("price", Money(), nullable=True),
        sa.Column("alert_id", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", UtcDateTime(), nullable=True),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signals")),
        sa.UniqueConstraint("mode", "signal_key", name=op.f("uq_signals_mode_signal_key")),
    )
    op.create_index(
        "ix_signals_mode_body_sha256_received_at",
        "signals",
        ["mode", "body_sha256", "received_at"],
    )
    op.create_index("ix_signals_mode_status", "signals", ["mode", "status"])
    op.create_index("ix_signals_mode_received_at", "signals", ["mode", "received_at"])
    op.create_table(
        "trades",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("signal_id", sa.Integer(), nullable=False),
        sa.Column("client_order_id", sa.String(length=36), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("base_asset", sa.String(length=16), nullable=False),
        sa.Column("side", sa.String(length=4), nullable=False),
        sa.Column("order_type", sa.String(length=16), nullable=False),
        sa.Column("quantity", Money(), nullable=True),
        sa.Column("quote_order_qty", Money(), nullable=True),
        sa.Column("price", Money(), nullable=True),
        sa.Column("reserved_usdt", Money(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("exchange_order_id", sa.BigInteger(), nullable=True),
        sa.Column("executed_qty", Money(), nullable=False),
        sa.Column("quote_qty", Money(), nullable=False),
        sa.Column("avg_price", Money(), nullable=True),
        sa.Column("commission_base", Money(), nullable=False),
        sa.Column("fills", sa.JSON(), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["signal_id"],
            ["signals.id"],
            name=op.f("fk_trades_signal_id_signals"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trades")),
        sa.UniqueConstraint("mode", "client_order_id", name=op.f("uq_trades_mode_client_order_id")),
        sa.UniqueConstraint("signal_id", name=op.f("uq_trades_signal_id")),
    )
    op.create_index("ix_trades_mode_created_at", "trades", ["mode", "created_at"])
    op.create_index(
        "ix_trades_mode_symbol_side_created_at",
        "trades",
        ["mode", "symbol", "side", "created_at"],
    )
    op.create_index("ix_trades_mode_status", "trades", ["mode", "status"])
    op.create_table(
        "paper_balances",
        sa.Column("asset", sa.String(length=32), nullable=False),
        sa.Column("free", Money(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("asset", name=op.f("pk_paper_balances")),
    )


def downgrade() -> None:
    op.drop_table("paper_balances")
    op.drop_index("ix_trades_mode_status", table_name="trades")
    op.drop_index("ix_trades_mode_symbol_side_created_at", table_name="trades")
    op.drop_index("ix_trades_mode_created_at", table_name="trades")
    op.drop_table("trades")
    op.drop_index("ix_signals_mode_received_at", table_name="signals")
    op.drop_index("ix_signals_mode_status", table_name="signals")
    op.drop_index("ix_signals_mode_body_sha256_received_at", table_name="signals")
    op.drop_table("signals")
    op.drop_table("trader_state")
