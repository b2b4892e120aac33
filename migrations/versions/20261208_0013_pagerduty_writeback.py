"""PagerDuty write-back: one row per step (note, acknowledge, resolve) of each PagerDuty
incident an incident came from; the unique step row is the claim that makes one replica call
PagerDuty once (bot/pager/models.py).

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pagerduty_writebacks",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sa.String(200), nullable=False),
        sa.Column("pagerduty_incident", sa.String(64), nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint(
            "incident_id", "fingerprint", "step", name="uq_pagerduty_writebacks_step"
        ),
    )
    op.create_index("ix_pagerduty_writebacks_incident_id", "pagerduty_writebacks", ["incident_id"])


def downgrade() -> None:
    op.drop_index("ix_pagerduty_writebacks_incident_id", table_name="pagerduty_writebacks")
    op.drop_table("pagerduty_writebacks")
