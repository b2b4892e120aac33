"""Triage: from signals and evidence to the facts a packet states.

Every fact here comes from evidence; where there is none, the assessment says so instead of
guessing (no suspect deploy rather than a weak one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.analysis.deploys import SuspectDeploy, suspect_deploy
from bot.analysis.spike import Spike, detect_spike
from bot.evidence.values import EvidenceBundle
from bot.scenario.terms import CauseKind
from bot.signal.values import Signal

__all__ = ["Assessment", "assess"]


@dataclass(frozen=True, slots=True)
class Assessment:
    service: str
    first_seen: datetime
    spikes: tuple[Spike, ...]
    suspect: SuspectDeploy | None

    @property
    def cause(self) -> CauseKind | None:
        """The cause kind the evidence establishes: a deploy when one is suspected, else None
        (unknown, never guessed)."""
        return CauseKind.DEPLOY if self.suspect is not None else None


def assess(service: str, signals: Sequence[Signal], evidence: EvidenceBundle) -> Assessment:
    """What the evidence says about ``service``: spikes in its own series (earliest first), and
    the deploy that landed before the first of them or, without one, before the first alert."""
    spikes = sorted(
        (
            spike
            for series in evidence.metrics
            if series.service == service and (spike := detect_spike(series)) is not None
        ),
        key=lambda spike: spike.first_anomaly_at,
    )
    first_alert = min(signal.started_at for signal in signals)
    first_seen = min([first_alert, *(spike.first_anomaly_at for spike in spikes)])
    return Assessment(
        service=service,
        first_seen=first_seen,
        spikes=tuple(spikes),
        suspect=suspect_deploy(evidence.deploys, service=service, anomaly_at=first_seen),
    )
