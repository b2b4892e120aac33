"""The packet's narrative: whether the grounded "likely cause" reply is in the packet's thread,
and the text chosen for it, so a reply a crash interrupted is posted as written, not re-asked.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "narrative_state", sa.String(length=16), nullable=False, server_default="pending"
            )
        )
        batch_op.add_column(sa.Column("narrative_text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("narrative_text")
        batch_op.drop_column("narrative_state")
