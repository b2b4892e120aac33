"""Every replay reader in one object, for tests and benchmarks that hand one source to several
kinds (``EvidenceSources(deploys=[replay], metrics=[replay])``).

The readers themselves are declared with their kinds (:mod:`bot.evidence.kinds`); the live bot
builds one per kind (``bot.wiring.evidence.replay_evidence``), so a new kind needs nothing here.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.evidence.kinds.calendar import ReplayCalendar
from bot.evidence.kinds.cluster import ReplayCluster
from bot.evidence.kinds.deploys import ReplayDeploys
from bot.evidence.kinds.flags import ReplayFlags
from bot.evidence.kinds.history import ReplayHistory
from bot.evidence.kinds.logs import ReplayLogs
from bot.evidence.kinds.metrics import ReplayMetrics
from bot.evidence.kinds.traces import ReplayTraces
from bot.scenario.schemas import Scenario

__all__ = ["ReplayEvidence"]


class ReplayEvidence(
    ReplayDeploys,
    ReplayMetrics,
    ReplayLogs,
    ReplayTraces,
    ReplayCluster,
    ReplayFlags,
    ReplayCalendar,
    ReplayHistory,
):
    """Implements ``DeploySource``, ``MetricsSource``, ``LogSource``, ``TraceSource``,
    ``ClusterSource``, ``FlagSource``, ``CalendarSource`` and ``HistorySource`` from
    scenarios."""

    name = "replay"

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        super().__init__(scenarios)
