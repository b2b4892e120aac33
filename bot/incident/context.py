"""What the pipeline needs besides the database and the chat: evidence sources, the catalog,
the policy, runbooks, and the limits it works within. Built once by the composition root
(``bot.app``) and handed to correlation, publishing and on-demand triage alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.catalog import Catalog
from bot.evidence.gather import EvidenceSources
from bot.evidence.late import LateEvidence
from bot.incident.correlation import DEFAULT_WINDOW
from bot.narrator import Narrator
from bot.packet.chart import ChartRenderer
from bot.policy import Policy
from bot.runbook.loader import RunbookLibrary
from bot.telemetry.metrics import NO_METRICS, Metrics

__all__ = ["PipelineContext"]


@dataclass(frozen=True, slots=True)
class PipelineContext:
    """What the pipeline needs besides the database: evidence, catalog, policy and limits."""

    sources: EvidenceSources
    catalog: Catalog
    policy: Policy
    deadline: float
    correlation_window: timedelta = DEFAULT_WINDOW
    packet_update_interval: timedelta = timedelta(seconds=15)
    # How long one worker holds an incident's Slack work. A worker that dies holding it delays
    # that incident by at most this long; it must outlast the longest run of Slack calls.
    lease: timedelta = timedelta(seconds=60)
    # Loaded and validated at start-up (bot.app); the packet chooses among them.
    runbooks: RunbookLibrary = field(default_factory=RunbookLibrary)
    metrics: Metrics = NO_METRICS
    # Draws the main signal's chart for the packet's thread; None: no charts.
    charts: ChartRenderer | None = None
    # Waits for sources that missed ``deadline`` and keeps their late answers; None: a late
    # source is cancelled and stays missing from the packet.
    late: LateEvidence | None = None
    # Writes the grounded "likely cause" reply in the packet's thread; None (no API key): the
    # packet's footer says the narrator is off and no reply is written.
    narrator: Narrator | None = None
