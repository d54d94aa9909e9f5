"""The sweeps find the next file in a state (schema version 11): an index on the inbound
files' status and id. Without it each look for a claimed or ingested file read the files
received before, archived long ago: about 10 ms a look with 200,000 of them.

Revision ID: 0011_inbound_status
Revises: 0010_work_item_resolution
Create Date: 2026-12-04 00:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_inbound_status"
down_revision: str | Sequence[str] | None = "0010_work_item_resolution"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_inbound_files_status_id", "inbound_files", ["status", "id"])


def downgrade() -> None:
    op.drop_index("ix_inbound_files_status_id", table_name="inbound_files")
