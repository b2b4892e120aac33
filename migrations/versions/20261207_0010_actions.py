"""Actions the bot proposes on its own: ``actions.step`` names the runbook step an ``auto``
action carries out (``<incident>:<runbook>:<index>``), unique, so however many replicas find the
same step, one action is stored for it and runs.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("step", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_actions_step"), ["step"])


def downgrade() -> None:
    with op.batch_alter_table("actions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_actions_step"), type_="unique")
        batch_op.drop_column("step")
