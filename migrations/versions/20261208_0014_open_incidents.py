"""Two indexes for the pipeline's reads. ``incidents.status``: every pass of the pipeline (each
publisher's poll, correlation's candidates) looks for the few open incidents, and with thousands
resolved a scan of the whole table was most of a poll's cost (bench/README.md, the packet's
timeline). ``signals (fingerprint, processed_at)``: correlation asks for a condition's signals
still waiting (the oldest first, another delivery's), and through the fingerprint alone it read
every signal the condition ever had, so a join cost more as a storm went on.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-08
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_incidents_status", "incidents", ["status"])
    op.create_index("ix_signals_fingerprint_waiting", "signals", ["fingerprint", "processed_at"])


def downgrade() -> None:
    op.drop_index("ix_signals_fingerprint_waiting", table_name="signals")
    op.drop_index("ix_incidents_status", table_name="incidents")
