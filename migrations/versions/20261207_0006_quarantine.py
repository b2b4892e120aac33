"""Quarantine: how often a signal's correlation or an incident's publishing failed, the last
error, and when it was set aside after too many failures, so one bad row never blocks another.
And an index for counting a source's alerts in the last minute (flood control).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _quarantine_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("failures", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("quarantined_at", sa.DateTime(timezone=True), nullable=True),
    ]


def upgrade() -> None:
    for table in ("signals", "incidents"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in _quarantine_columns():
                batch_op.add_column(column)
    op.create_index("ix_signals_source_received", "signals", ["source", "received_at"])


def downgrade() -> None:
    op.drop_index("ix_signals_source_received", table_name="signals")
    for table in ("signals", "incidents"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("quarantined_at")
            batch_op.drop_column("last_error")
            batch_op.drop_column("failures")
