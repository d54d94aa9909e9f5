"""Sweeps: the delivery queue, the files sent and their 997s, where inbound files are kept
(schema version 4).

Revision ID: 0004_sweeps
Revises: 0003_moves
Create Date: 2026-11-23 01:52:01.833303
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_sweeps"
down_revision: str | Sequence[str] | None = "0003_moves"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_queue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("account_number", sa.String(length=30), nullable=True),
        sa.Column("head", sa.Text(), nullable=False),
        sa.Column("separators", sa.String(length=8), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["inbound_files.id"], name=op.f("fk_delivery_queue_file_id_inbound_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_queue")),
        sa.UniqueConstraint("file_id", "position", name=op.f("uq_delivery_queue_file_id")),
    )
    with op.batch_alter_table("delivery_queue", schema=None) as batch_op:
        batch_op.create_index(
            "ix_delivery_queue_pending", ["partition", "state", "file_id", "position"], unique=False
        )

    op.create_table(
        "outbound_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("recipient", sa.String(length=15), nullable=False),
        sa.Column("control", sa.Integer(), nullable=False),
        sa.Column("groups", sa.Text(), nullable=False),
        sa.Column("folder", sa.String(length=500), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("ack_expected", sa.Boolean(), nullable=False),
        sa.Column("ack_status", sa.String(length=1), nullable=True),
        sa.Column("acked_at", sa.DateTime(), nullable=True),
        sa.Column("resent_at", sa.DateTime(), nullable=True),
        sa.Column("work_item_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["work_item_id"],
            ["work_items.id"],
            name=op.f("fk_outbound_files_work_item_id_work_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_files")),
        sa.UniqueConstraint("name", name=op.f("uq_outbound_files_name")),
        sa.UniqueConstraint("recipient", "control", name=op.f("uq_outbound_files_recipient")),
    )
    with op.batch_alter_table("inbound_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("partner", sa.String(length=15), nullable=True))
        batch_op.add_column(sa.Column("path", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("archived_to", sa.String(length=500), nullable=True))

    with op.batch_alter_table("interchanges", schema=None) as batch_op:
        batch_op.create_index("ix_interchanges_sender_control", ["sender", "control"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("interchanges", schema=None) as batch_op:
        batch_op.drop_index("ix_interchanges_sender_control")

    with op.batch_alter_table("inbound_files", schema=None) as batch_op:
        batch_op.drop_column("archived_to")
        batch_op.drop_column("path")
        batch_op.drop_column("partner")

    op.drop_table("outbound_files")
    with op.batch_alter_table("delivery_queue", schema=None) as batch_op:
        batch_op.drop_index("ix_delivery_queue_pending")

    op.drop_table("delivery_queue")
