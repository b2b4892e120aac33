"""The outcome report for people (a table per service and severity) and for tools (JSON).
Every figure is printed; one that has nothing to measure reads ``-`` (null in JSON)."""

from __future__ import annotations

from typing import Any

from bot.outcomes.values import OutcomeFigures, OutcomeReport

__all__ = [
    "COLUMNS",
    "describe_rate",
    "describe_seconds",
    "figures_json",
    "report_json",
    "report_lines",
]

COLUMNS = (
    "service",
    "severity",
    "incidents",
    "resolved",
    "MTTD",
    "MTTA",
    "MTTR",
    "autonomy",
    "escalation",
    "remediation",
    "noise",
)
NONE = "-"


def describe_seconds(seconds: float | None) -> str:
    """``4.2 s``, ``6.5 min``, ``2.3 h``, ``1.5 d``."""
    if seconds is None:
        return NONE
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    if seconds < 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def describe_rate(rate: float | None) -> str:
    """``66.7 %``."""
    return NONE if rate is None else f"{rate * 100:.1f} %"


def _cells(row: OutcomeFigures) -> tuple[str, ...]:
    remediation = describe_rate(row.remediation_success_rate)
    if row.executed:
        remediation += f" ({row.verified}/{row.executed})"
    return (
        row.service,
        row.severity,
        str(row.incidents),
        str(row.resolved),
        describe_seconds(row.mttd_seconds),
        describe_seconds(row.mtta_seconds),
        describe_seconds(row.mttr_seconds),
        describe_rate(row.autonomy_rate),
        describe_rate(row.escalation_rate),
        remediation,
        describe_rate(row.noise_rate),
    )


def report_lines(report: OutcomeReport) -> list[str]:
    """A heading, then the table: one row per service and severity, then the row over all."""
    since = f"since {report.since:%Y-%m-%d %H:%M} UTC" if report.since else "all time"
    table = [COLUMNS, *(_cells(row) for row in report.rows), _cells(report.overall)]
    widths = [max(len(cells[i]) for cells in table) for i in range(len(COLUMNS))]
    lines = [f"Incident outcomes, {since}, until {report.until:%Y-%m-%d %H:%M} UTC", ""]
    for index, cells in enumerate(table):
        if index == len(table) - 1:
            lines.append("  ".join("-" * width for width in widths))
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    lines += [
        "",
        "MTTD: first signal to packet. MTTA: packet to a person's first act. MTTR: first signal "
        "to resolved.",
        "autonomy: resolved (noise aside) with no person acting first. escalation: severity rose "
        "or an owner was paged.",
        "remediation: actions verified of those run. noise: resolved as not an incident.",
    ]
    return lines


def figures_json(row: OutcomeFigures) -> dict[str, Any]:
    return {
        "service": row.service,
        "severity": row.severity,
        "incidents": row.incidents,
        "resolved": row.resolved,
        "mttd_seconds": row.mttd_seconds,
        "mtta_seconds": row.mtta_seconds,
        "mttr_seconds": row.mttr_seconds,
        "autonomy_rate": row.autonomy_rate,
        "escalation_rate": row.escalation_rate,
        "remediation_success_rate": row.remediation_success_rate,
        "noise_rate": row.noise_rate,
        "actions_executed": row.executed,
        "actions_verified": row.verified,
    }


def report_json(report: OutcomeReport) -> dict[str, Any]:
    return {
        "since": report.since.isoformat() if report.since else None,
        "until": report.until.isoformat(),
        "rows": [figures_json(row) for row in report.rows],
        "overall": figures_json(report.overall),
    }
