"""Outcome values: what happened to one incident, and the figures over many."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["ALL", "IncidentOutcome", "OutcomeFigures", "OutcomeReport"]

ALL = "all"  # the service and severity of the row over every incident


@dataclass(frozen=True, slots=True)
class IncidentOutcome:
    """One incident as the database recorded it.

    ``packet_at`` is its first packet posted; ``first_human_at`` the first thing a person did
    about it (any audited act of a Slack user or an operator's command, resolving included);
    ``human_acts`` how many such acts came before it was resolved, resolving and its note not
    counted (none: it was resolved without a person acting). ``escalated``: its severity rose
    after it opened, or an owner was paged by an action. ``executed`` and ``verified`` count its
    actions that ran (dry runs aside) and those the bot then verified worked."""

    incident_id: int
    service: str
    severity: str
    first_seen_at: datetime
    packet_at: datetime | None = None
    first_human_at: datetime | None = None
    resolved_at: datetime | None = None
    human_acts: int = 0
    escalated: bool = False
    executed: int = 0
    verified: int = 0
    noise: bool = False


@dataclass(frozen=True, slots=True)
class OutcomeFigures:
    """The figures over a group of incidents. Times are mean seconds, rates are shares in
    [0, 1]; None when the group has nothing to measure (no packet posted, nothing resolved,
    no action run). The counts say what each rate was taken over."""

    service: str
    severity: str
    incidents: int
    resolved: int
    mttd_seconds: float | None
    mtta_seconds: float | None
    mttr_seconds: float | None
    autonomy_rate: float | None  # resolved (noise aside) without a person acting ÷ resolved
    escalation_rate: float | None  # escalated ÷ incidents
    remediation_success_rate: float | None  # verified ÷ executed actions
    noise_rate: float | None  # resolved as not an incident ÷ resolved
    executed: int = 0
    verified: int = 0


@dataclass(frozen=True, slots=True)
class OutcomeReport:
    """Every (service, severity) group, by service then severity, and the row over all."""

    since: datetime | None
    until: datetime
    rows: tuple[OutcomeFigures, ...]
    overall: OutcomeFigures
