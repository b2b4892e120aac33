"""Incremental incident state: one row per alerting condition of an incident (latest status,
whether it ever fired, how many signals), kept in the transaction of each join, so a join reads
a few rows instead of every signal of the incident. Backfilled from the signals already joined.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The latest signal of each (incident, fingerprint, service) by (started_at, id), with the
# condition's signal count and whether any of its signals fired. Window functions: SQLite 3.25+
# and PostgreSQL both have them.
_BACKFILL = """
INSERT INTO incident_conditions
    (incident_id, fingerprint, service, status, latest_at, latest_signal_id, fired, signals)
SELECT incident_id, fingerprint, service, status, started_at, id, fired, signals
FROM (
    SELECT incident_id, fingerprint, service, status, started_at, id,
           ROW_NUMBER() OVER (
               PARTITION BY incident_id, fingerprint, service ORDER BY started_at DESC, id DESC
           ) AS newest,
           MAX(CASE WHEN status = 'firing' THEN 1 ELSE 0 END) OVER (
               PARTITION BY incident_id, fingerprint, service
           ) = 1 AS fired,
           COUNT(*) OVER (PARTITION BY incident_id, fingerprint, service) AS signals
    FROM signals
    WHERE incident_id IS NOT NULL
) AS ranked
WHERE newest = 1
"""


def upgrade() -> None:
    op.create_table(
        "incident_conditions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=False),
        sa.Column("fingerprint", sa.String(200), nullable=False),
        sa.Column("service", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("latest_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("latest_signal_id", sa.Integer(), nullable=False),
        sa.Column("fired", sa.Boolean(), nullable=False),
        sa.Column("signals", sa.Integer(), nullable=False),
        sa.UniqueConstraint(
            "incident_id", "fingerprint", "service", name="uq_incident_conditions_condition"
        ),
    )
    op.create_index("ix_incident_conditions_incident_id", "incident_conditions", ["incident_id"])
    op.create_index("ix_incident_conditions_fingerprint", "incident_conditions", ["fingerprint"])
    op.create_index("ix_incident_conditions_service", "incident_conditions", ["service"])
    op.execute(_BACKFILL)


def downgrade() -> None:
    op.drop_index("ix_incident_conditions_service", table_name="incident_conditions")
    op.drop_index("ix_incident_conditions_fingerprint", table_name="incident_conditions")
    op.drop_index("ix_incident_conditions_incident_id", table_name="incident_conditions")
    op.drop_table("incident_conditions")
