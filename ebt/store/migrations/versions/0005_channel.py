"""The channel is the sender: an interchange refused whole keeps its row and why (schema
version 5).

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
    with op.batch_alter_table("interchanges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("refused", sa.String(length=30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interchanges", schema=None) as batch_op:
        batch_op.drop_column("refused")
