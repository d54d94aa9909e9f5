"""The channel is the sender, and one inbound pipeline (schema version 5): an interchange
refused whole keeps its row and why; a file records the position through which its sets are
taken; the delivery queue carries each set as read and checked once (its typed record and
findings), not its text to be checked again.

Revision ID: 0005_channel
Revises: 0004_sweeps
Create Date: 2026-12-03 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_channel"
down_revision: str | Sequence[str] | None = "0004_sweeps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    waiting = op.get_bind().execute(sa.text("SELECT count(*) FROM delivery_queue")).scalar()
    if waiting:
        raise RuntimeError(
            f"{waiting} transaction set(s) wait on the delivery queue of the previous version: "
            "finish them with it (ebt sweep inbound) before upgrading"
        )
    with op.batch_alter_table("interchanges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refused", sa.String(length=30), nullable=True))
    with op.batch_alter_table("inbound_files", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position", sa.Integer(), server_default="0", nullable=False))
    with op.batch_alter_table("delivery_queue", schema=None) as batch_op:
        batch_op.drop_column("head")
        batch_op.drop_column("separators")
        batch_op.drop_column("raw")
        batch_op.add_column(sa.Column("payload", sa.LargeBinary(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("delivery_queue", schema=None) as batch_op:
        batch_op.drop_column("payload")
        batch_op.add_column(sa.Column("raw", sa.Text(), nullable=False))
        batch_op.add_column(sa.Column("separators", sa.String(length=8), nullable=False))
        batch_op.add_column(sa.Column("head", sa.Text(), nullable=False))
    with op.batch_alter_table("inbound_files", schema=None) as batch_op:
        batch_op.drop_column("position")
    with op.batch_alter_table("interchanges", schema=None) as batch_op:
        batch_op.drop_column("refused")
