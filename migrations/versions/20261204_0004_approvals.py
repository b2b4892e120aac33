"""Approvals and guardrails: what an approval is bound to and when it lapses, where its message
is, the checkpoint taken before the write; the kill switch every replica reads; the incident's
commander.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("plan", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("channel_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("message_ts", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("checkpoint", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("dry_run", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_actions_service_kind", ["service", "kind"])
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("commander", sa.String(length=32), nullable=True))
    kill_switch = op.create_table(
        "kill_switch",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("engaged", sa.Boolean(), nullable=False),
        sa.Column("changed_by", sa.String(length=64), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
    )
    # One row, always there: turning the switch is a conditional UPDATE every replica sees.
    op.bulk_insert(kill_switch, [{"id": 1, "engaged": False}])


def downgrade() -> None:
    op.drop_table("kill_switch")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("commander")
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_index("ix_actions_service_kind")
        for column in (
            "dry_run",
            "finished_at",
            "executed_at",
            "checkpoint",
            "message_ts",
            "channel_id",
            "expires_at",
            "plan",
            "service",
        ):
            batch_op.drop_column(column)
