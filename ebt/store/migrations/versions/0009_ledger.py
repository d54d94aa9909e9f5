"""The file ledger finds a file by what it held (schema version 9): indexes on the ISA13 of
received interchanges and the control number of sent files (outbox messages have theirs by
account already).

Revision ID: 0009_ledger
Revises: 0008_console
Create Date: 2026-12-03 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009_ledger"
down_revision: str | Sequence[str] | None = "0008_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_interchanges_control", "interchanges", ["control"])
    op.create_index("ix_outbound_files_control", "outbound_files", ["control"])


def downgrade() -> None:
    op.drop_index("ix_outbound_files_control", table_name="outbound_files")
    op.drop_index("ix_interchanges_control", table_name="interchanges")
