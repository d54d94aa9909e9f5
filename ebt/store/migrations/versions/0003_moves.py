"""Moves, service periods at premises, landlord agreements with dates, final-bill write-off
codes (schema version 3).

Revision ID: 0003_moves
Revises: 0002_formats
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_moves"
down_revision: str | Sequence[str] | None = "0002_formats"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "moves",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=False),
        sa.Column("old_account_id", sa.Integer(), nullable=False),
        sa.Column("new_account_id", sa.Integer(), nullable=True),
        sa.Column("called_on", sa.Date(), nullable=False),
        sa.Column("move_out", sa.Date(), nullable=False),
        sa.Column("move_in", sa.Date(), nullable=False),
        sa.Column("standard_offer_chosen", sa.Boolean(), nullable=False),
        sa.Column("seamless", sa.Boolean(), nullable=False),
        sa.Column("ces_id", sa.Integer(), nullable=True),
        sa.Column("confirmation", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ces_id"], ["trading_partners.id"], name=op.f("fk_moves_ces_id_trading_partners")
        ),
        sa.ForeignKeyConstraint(
            ["new_account_id"], ["accounts.id"], name=op.f("fk_moves_new_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["old_account_id"], ["accounts.id"], name=op.f("fk_moves_old_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["process_id"], ["processes.id"], name=op.f("fk_moves_process_id_processes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_moves")),
    )
    op.create_index(op.f("ix_moves_new_account_id"), "moves", ["new_account_id"])
    op.create_index(op.f("ix_moves_old_account_id"), "moves", ["old_account_id"])
    op.create_index(op.f("ix_moves_process_id"), "moves", ["process_id"])
    op.create_table(
        "service_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("premise_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=4), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("process_id", sa.Integer(), nullable=True),
        sa.Column("stop_process_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_service_periods_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["premise_id"], ["premises.id"], name=op.f("fk_service_periods_premise_id_premises")
        ),
        sa.ForeignKeyConstraint(
            ["process_id"],
            ["processes.id"],
            name=op.f("fk_service_periods_process_id_processes"),
        ),
        sa.ForeignKeyConstraint(
            ["stop_process_id"],
            ["processes.id"],
            name=op.f("fk_service_periods_stop_process_id_processes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_periods")),
    )
    op.create_index(op.f("ix_service_periods_account_id"), "service_periods", ["account_id"])
    op.create_index("ix_service_periods_premise_start", "service_periods", ["premise_id", "start"])
    with op.batch_alter_table("final_bills") as batch:
        batch.add_column(sa.Column("write_off_code", sa.String(length=4), nullable=True))
    with op.batch_alter_table("landlord_agreements") as batch:
        batch.add_column(sa.Column("valid_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("valid_to", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("landlord_agreements") as batch:
        batch.drop_column("valid_to")
        batch.drop_column("valid_from")
    with op.batch_alter_table("final_bills") as batch:
        batch.drop_column("write_off_code")
    op.drop_index("ix_service_periods_premise_start", table_name="service_periods")
    op.drop_index(op.f("ix_service_periods_account_id"), table_name="service_periods")
    op.drop_table("service_periods")
    op.drop_index(op.f("ix_moves_process_id"), table_name="moves")
    op.drop_index(op.f("ix_moves_old_account_id"), table_name="moves")
    op.drop_index(op.f("ix_moves_new_account_id"), table_name="moves")
    op.drop_table("moves")
