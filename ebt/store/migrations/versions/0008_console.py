"""The operations console: its actions with the user, sweep runs with their timings, and
the indexes its pages read from (schema version 8).

Revision ID: 0008_console
Revises: 0007_replay_reprocess
Create Date: 2026-12-03 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_console"
down_revision: str | Sequence[str] | None = "0007_replay_reprocess"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REJECTS = sa.text("code IS NOT NULL")
ACKS = sa.text("set_id IN ('997', 'TA1')")


def upgrade() -> None:
    op.create_table(
        "console_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user", sa.String(length=60), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("address", sa.String(length=45), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_actions")),
    )
    op.create_index("ix_console_actions_target", "console_actions", ["target", "id"])
    op.create_table(
        "sweep_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("files", sa.Integer(), nullable=False),
        sa.Column("transactions", sa.Integer(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sweep_runs")),
    )
    op.create_index("ix_sweep_runs_started_at", "sweep_runs", ["started_at"])
    op.create_index("ix_transactions_received_status", "transactions", ["received_at", "status"])
    op.create_index("ix_findings_transaction_id", "findings", ["transaction_id"])
    op.create_index(
        "ix_decisions_rejects_by_day",
        "decisions",
        ["decided_on", "code"],
        sqlite_where=REJECTS,
        postgresql_where=REJECTS,
    )
    op.create_index("ix_outbox_transaction_id", "outbox", ["transaction_id"])
    op.create_index("ix_outbox_file_name", "outbox", ["file_name"])
    op.create_index("ix_outbox_acks", "outbox", ["kind"], sqlite_where=ACKS, postgresql_where=ACKS)
    op.create_index("ix_inbound_files_received_at", "inbound_files", ["received_at"])
    op.create_index("ix_inbound_files_partner_id", "inbound_files", ["partner", "id"])
    op.create_index("ix_outbound_files_sent_at", "outbound_files", ["sent_at"])
    op.create_index("ix_work_items_status_id", "work_items", ["status", "id"])
    op.create_index(
        "ix_supplier_periods_supplier_account", "supplier_periods", ["supplier_id", "account_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_supplier_periods_supplier_account", table_name="supplier_periods")
    op.drop_index("ix_work_items_status_id", table_name="work_items")
    op.drop_index("ix_outbound_files_sent_at", table_name="outbound_files")
    op.drop_index("ix_inbound_files_partner_id", table_name="inbound_files")
    op.drop_index("ix_inbound_files_received_at", table_name="inbound_files")
    op.drop_index("ix_outbox_acks", table_name="outbox")
    op.drop_index("ix_outbox_file_name", table_name="outbox")
    op.drop_index("ix_outbox_transaction_id", table_name="outbox")
    op.drop_index("ix_decisions_rejects_by_day", table_name="decisions")
    op.drop_index("ix_findings_transaction_id", table_name="findings")
    op.drop_index("ix_transactions_received_status", table_name="transactions")
    op.drop_index("ix_sweep_runs_started_at", table_name="sweep_runs")
    op.drop_table("sweep_runs")
    op.drop_index("ix_console_actions_target", table_name="console_actions")
    op.drop_table("console_actions")
