"""What every evidence source is asked about. Each kind's port (the ``Protocol`` an adapter in
``integrations`` implements) lives in its module in :mod:`bot.evidence.kinds`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["EvidenceQuery"]


@dataclass(frozen=True, slots=True)
class EvidenceQuery:
    """Which service, and the time window to look in. ``namespace`` is where the catalog says
    the service runs (None: unknown, look everywhere)."""

    service: str
    since: datetime
    until: datetime
    namespace: str | None = None
