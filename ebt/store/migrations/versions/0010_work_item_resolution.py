"""Work items say how they were closed (schema version 10): by whom with what note, or by
themselves when what they waited for happened (the 997, the start read).

Revision ID: 0010_work_item_resolution
Revises: 0009_ledger
Create Date: 2026-12-03 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_work_item_resolution"
down_revision: str | Sequence[str] | None = "0009_ledger"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolution", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("work_items", schema=None) as batch_op:
        batch_op.drop_column("resolution")
