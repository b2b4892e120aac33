"""The outcome figures from incidents' outcomes: pure, with the end of the period a parameter.

- MTTD, mean time to detect: first signal → first packet posted.
- MTTA, mean time to acknowledge: first packet → first thing a person did about it.
- MTTR, mean time to resolve: first signal → resolved.
- Autonomy rate: of the incidents resolved (noise aside), the share no person acted on before
  resolving it (resolving is a person's decision, and is not counted as acting).
- Escalation rate: of the incidents, the share whose severity rose after opening or whose owner
  an action paged.
- Remediation success rate: of the actions run (dry runs aside), the share verified.
- Noise rate: of the incidents resolved, the share resolved as not an incident.

An incident still open counts in MTTD, MTTA and the escalation rate, not in the others.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from statistics import fmean

from bot.outcomes.values import ALL, IncidentOutcome, OutcomeFigures, OutcomeReport
from bot.signal.values import Severity

__all__ = ["figures_of", "outcome_report"]

SECONDS_DIGITS = 1
RATE_DIGITS = 4


def _mean_seconds(spans: Iterable[tuple[datetime | None, datetime | None]]) -> float | None:
    seconds = [
        max(0.0, (end - start).total_seconds())
        for start, end in spans
        if start is not None and end is not None
    ]
    return round(fmean(seconds), SECONDS_DIGITS) if seconds else None


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, RATE_DIGITS) if whole else None


def figures_of(service: str, severity: str, outcomes: Sequence[IncidentOutcome]) -> OutcomeFigures:
    """The figures over ``outcomes`` (a group: one service and severity, or all)."""
    resolved = [o for o in outcomes if o.resolved_at is not None]
    worked = [o for o in resolved if not o.noise]
    executed = sum(o.executed for o in outcomes)
    verified = sum(o.verified for o in outcomes)
    return OutcomeFigures(
        service=service,
        severity=severity,
        incidents=len(outcomes),
        resolved=len(resolved),
        mttd_seconds=_mean_seconds((o.first_seen_at, o.packet_at) for o in outcomes),
        mtta_seconds=_mean_seconds((o.packet_at, o.first_human_at) for o in outcomes),
        mttr_seconds=_mean_seconds((o.first_seen_at, o.resolved_at) for o in resolved),
        autonomy_rate=_rate(sum(1 for o in worked if o.human_acts == 0), len(worked)),
        escalation_rate=_rate(sum(1 for o in outcomes if o.escalated), len(outcomes)),
        remediation_success_rate=_rate(verified, executed),
        noise_rate=_rate(sum(1 for o in resolved if o.noise), len(resolved)),
        executed=executed,
        verified=verified,
    )


def _severity_order(severity: str) -> int:
    try:
        return Severity(severity).rank
    except ValueError:
        return 99


def outcome_report(
    outcomes: Sequence[IncidentOutcome], *, since: datetime | None, until: datetime
) -> OutcomeReport:
    """The figures per (service, severity), by service then severity, and over all; only the
    incidents first seen in [``since``, ``until``] count."""
    kept = [
        o
        for o in outcomes
        if (since is None or o.first_seen_at >= since) and o.first_seen_at <= until
    ]
    groups: dict[tuple[str, str], list[IncidentOutcome]] = {}
    for outcome in kept:
        groups.setdefault((outcome.service, outcome.severity), []).append(outcome)
    order = sorted(groups, key=lambda key: (key[0], _severity_order(key[1]), key[1]))
    return OutcomeReport(
        since=since,
        until=until,
        rows=tuple(
            figures_of(service, severity, groups[service, severity]) for service, severity in order
        ),
        overall=figures_of(ALL, ALL, kept),
    )
