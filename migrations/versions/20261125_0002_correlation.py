"""Correlation and idempotency: body digests on signals; counts, revisions and notices on incidents.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_digest", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_signals_body", ["source", "body_digest", "received_at"])
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_signal_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("signal_count", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(
            sa.Column("severity_raised", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("packet_revision", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("posted_revision", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("announced_severity", sa.String(length=8), nullable=True))
        batch_op.add_column(
            sa.Column("all_resolved", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("resolve_prompted", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        for column in (
            "merged_into",
            "resolve_prompted",
            "all_resolved",
            "announced_severity",
            "posted_revision",
            "packet_revision",
            "severity_raised",
            "signal_count",
            "last_signal_at",
        ):
            batch_op.drop_column(column)
    with op.batch_alter_table("signals", schema=None) as batch_op:
        batch_op.drop_index("ix_signals_body")
        batch_op.drop_column("body_digest")
