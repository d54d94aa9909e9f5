"""Outbound files are delivered before their rows are marked sent (schema version 6, data
only).

An outbox row that is not sent but names a file now means "staged in that file, not yet
delivered". Before this version such a row could only be one put back by `ebt resend`, which
now clears the name as well: clear it on the rows it left, so that they are sent again.

Revision ID: 0006_outbound_staging
Revises: 0005_channel
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_outbound_staging"
down_revision: str | Sequence[str] | None = "0005_channel"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE outbox SET file_name = NULL WHERE sent_at IS NULL")


def downgrade() -> None:
    pass  # the old reading of these rows needs nothing back
