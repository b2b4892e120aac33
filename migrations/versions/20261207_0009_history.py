"""Incident history: one row per incident with the facts its packet was built on and its
outcome (resolution note, noise, verified remedy), read by the packet's similar-incidents
section and by the outcome figures.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "incident_history",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=200), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cause", sa.String(length=16), nullable=True),
        sa.Column("cause_subject", sa.String(length=200), nullable=True),
        sa.Column("dependency", sa.String(length=200), nullable=True),
        sa.Column("templates", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("noise", sa.Boolean(), nullable=False),
        sa.Column("remedy_kind", sa.String(length=32), nullable=True),
        sa.Column("remedy_target", sa.String(length=300), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("channel_name", sa.String(length=80), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name="fk_incident_history_incident_id_incidents",
        ),
        sa.PrimaryKeyConstraint("incident_id", name="pk_incident_history"),
    )
    op.create_index(
        "ix_incident_history_service_resolved", "incident_history", ["service", "resolved_at"]
    )
    op.create_index(
        "ix_incident_history_dependency_resolved",
        "incident_history",
        ["dependency", "resolved_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_incident_history_dependency_resolved", table_name="incident_history")
    op.drop_index("ix_incident_history_service_resolved", table_name="incident_history")
    op.drop_table("incident_history")
