"""Service: run locks, account claims, circuit breakers, alert states (issue: serve).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from binfolio.adapters.storage.base import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _create_alert_tables()
    _create_schedule_tables()


def _create_alert_tables() -> None:
    op.create_table(
        "alert_states",
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("since", UtcDateTime(), nullable=True),
        sa.Column("last_sent_at", UtcDateTime(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("observed", sa.JSON(), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account", "kind", name=op.f("pk_alert_states")),
    )
    op.create_table(
        "circuit_states",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("opened_at", UtcDateTime(), nullable=True),
        sa.Column("next_probe_at", UtcDateTime(), nullable=True),
        sa.Column("probe_delay_slots", sa.Integer(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_circuit_states_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_circuit_states")),
    )


def downgrade() -> None:
    _drop_schedule_tables()
    _drop_alert_tables()


def _drop_alert_tables() -> None:
    op.drop_table("circuit_states")
    op.drop_table("alert_states")


def _create_schedule_tables() -> None:
    op.create_table(
        "slot_claims",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("slot_start", UtcDateTime(), nullable=False),
        sa.Column("collector_id", sa.String(length=36), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_slot_claims_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "slot_start", name=op.f("pk_slot_claims")),
    )
    op.create_index("ix_slot_claims_slot_start", "slot_claims", ["slot_start"])
    op.create_table(
        "collectors",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("schedule_cron", sa.String(length=100), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("seen_at", UtcDateTime(), nullable=False),
        sa.Column("next_run_at", UtcDateTime(), nullable=True),
        sa.Column("last_slot", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collectors")),
    )
    op.create_index(op.f("ix_collectors_seen_at"), "collectors", ["seen_at"])


def _drop_schedule_tables() -> None:
    op.drop_index(op.f("ix_collectors_seen_at"), table_name="collectors")
    op.drop_table("collectors")
    op.drop_index("ix_slot_claims_slot_start", table_name="slot_claims")
    op.drop_table("slot_claims")
