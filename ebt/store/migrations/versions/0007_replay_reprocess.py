"""Decision replay and reprocessing (schema version 7): each decision keeps the facts its
table read; each deliberate reprocessing of a file is recorded with when, why and who.

Revision ID: 0007_replay_reprocess
Revises: 0006_outbound_staging
Create Date: 2026-12-03 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_replay_reprocess"
down_revision: str | Sequence[str] | None = "0006_outbound_staging"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("facts", sa.LargeBinary(), nullable=True))
    op.create_table(
        "reprocessings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("operator", sa.String(length=64), nullable=False),
        sa.Column("decided", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["file_id"], ["inbound_files.id"], name=op.f("fk_reprocessings_file_id_inbound_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reprocessings")),
    )
    with op.batch_alter_table("reprocessings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reprocessings_file_id"), ["file_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reprocessings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reprocessings_file_id"))
    op.drop_table("reprocessings")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_column("facts")
