"""Every text a person reads from the bot, in one place, so wording stays consistent and
reviewable. Functions take values from the core and return plain text (Slack mrkdwn-safe)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.audit.service import AuditEntry
from bot.incident.status import IncidentStatusReport, IncidentSummary

__all__ = [
    "INCIDENT_USAGE",
    "NOT_AN_INCIDENT_CHANNEL",
    "POSTMORTEM_USAGE",
    "STATUS_USAGE",
    "already_resolved",
    "ask_to_resolve",
    "audit_line",
    "internal_error",
    "merged",
    "merged_away",
    "postmortem_failed",
    "postmortem_refused",
    "postmortem_summary",
    "render_status",
    "resolved_by",
    "severity_changed",
    "split",
    "usage_error",
]

STATUS_USAGE = (
    "Usage: `/status` — in an incident channel, that incident's state, signals and open "
    "actions; anywhere else, the open incidents. It takes no arguments."
)


INCIDENT_USAGE = (
    "Usage, in an incident channel:\n"
    "`/incident merge INC-12` — fold INC-12 into this incident\n"
    "`/incident split 40` — move signal #40 (ids in `/status`) out into an incident of its own\n"
    "`/incident resolve` — resolve this incident"
)

NOT_AN_INCIDENT_CHANNEL = "Run `/incident` in the incident's own channel."


def merged(other: int, kept: int, moved: int) -> str:
    signals = "signal" if moved == 1 else "signals"
    return f"Merged INC-{other} into INC-{kept}: {moved} {signals} moved; INC-{other} is resolved."


def merged_away(other: int, kept: int, channel_id: str) -> str:
    return f"INC-{other} was merged into INC-{kept}; follow it in <#{channel_id}>."


def split(signal_id: int, kept: int, new: int) -> str:
    return (
        f"Signal #{signal_id} split out of INC-{kept} into INC-{new}, "
        "which gets its own channel and packet."
    )


def usage_error(usage: str, detail: str | None = None) -> str:
    return f"{detail}\n{usage}" if detail else usage


def internal_error(reference: str) -> str:
    return (
        "Something went wrong on the bot's side; nothing was changed. "
        f"Reference for the logs: {reference}"
    )


def _incident_line(incident: IncidentSummary) -> str:
    where = f" in <#{incident.channel_id}>" if incident.channel_id else " (channel pending)"
    return (
        f"INC-{incident.id} · {incident.severity} · {incident.service} · {incident.title}"
        f" · opened {incident.opened_at:%Y-%m-%d %H:%M} UTC{where}"
    )


def render_status(report: IncidentStatusReport | Sequence[IncidentSummary]) -> str:
    if not isinstance(report, IncidentStatusReport):
        if not report:
            return "No open incidents."
        lines = [f"Open incidents ({len(report)}):"]
        lines.extend(f"- {_incident_line(incident)}" for incident in report)
        return "\n".join(lines)
    incident = report.incident
    lines = [
        f"Status of INC-{incident.id}: {incident.status}",
        f"Service: {incident.service}",
        f"Severity: {incident.severity}",
        f"Opened: {incident.opened_at:%Y-%m-%d %H:%M} UTC",
        f"Signals ({len(report.signals)}):",
    ]
    lines.extend(
        f"- #{signal.id} [{signal.status}] {signal.title} "
        f"({signal.source}, since {signal.started_at:%H:%M} UTC)"
        for signal in report.signals
    )
    if report.actions:
        lines.append(f"Open actions ({len(report.actions)}):")
        lines.extend(
            f"- #{action.id} {action.kind} {action.target}: {action.state}"
            for action in report.actions
        )
    else:
        lines.append("Open actions: none")
    return "\n".join(lines)


def audit_line(entry: AuditEntry) -> str:
    """One audit row on one line: sequence, time, incident, actor, event, details, hash prefix."""
    scope = f"INC-{entry.incident_id}" if entry.incident_id is not None else "-"
    details = ", ".join(f"{key}={value}" for key, value in entry.details.items())
    return (
        f"#{entry.seq:<4} {entry.at:%Y-%m-%d %H:%M:%S} {scope:<7} {entry.actor:<20} "
        f"{entry.event:<26} {details}  [{entry.hash[:12]}]"
    )


def severity_changed(before: str, after: str, signal_count: int) -> str:
    direction = "raised" if after < before else "changed"
    return (
        f"Severity {direction} to {after} (was {before}): {signal_count} correlated alerts "
        "point at one problem."
    )


def ask_to_resolve(incident_id: int, alerts: int) -> str:
    which = "The alert has" if alerts == 1 else f"All {alerts} alerts have"
    return (
        f"{which} resolved. Resolve INC-{incident_id}? The bot does not close incidents by itself."
    )


def resolved_by(incident_id: int, user: str) -> str:
    return f"INC-{incident_id} resolved by <@{user}>."


def already_resolved(incident_id: int) -> str:
    return f"INC-{incident_id} is already resolved; nothing changed."


POSTMORTEM_USAGE = (
    "Usage: `/postmortem`, in an incident's own channel: drafts the postmortem (summary, "
    "timeline, root cause analysis, resolution, impact, action items) and shares it here as a "
    "Markdown file. It takes no arguments."
)


def postmortem_refused(incident_id: int, commander: str) -> str:
    return (
        f"Only the incident commander of INC-{incident_id} (<@{commander}>) can draft its "
        "postmortem. Nothing was posted."
    )


def postmortem_failed(incident_id: int, reason: str) -> str:
    return f"The postmortem draft for INC-{incident_id} could not be shared: {reason}"


def postmortem_summary(
    *,
    incident_id: int,
    status: str,
    timeline_entries: int,
    messages: int,
    leading_cause: str | None,
    action_items: int,
) -> str:
    """The message posted next to the draft's file: what it holds, in three lines."""
    state = "still open" if status == "open" else status
    cause = leading_cause or "none established by the bot's evidence"
    return (
        f"Postmortem draft for INC-{incident_id} ({state}) attached: "
        f"{timeline_entries} timeline entries from the alerts, the audit log, the actions "
        f"and {messages} {'message' if messages == 1 else 'messages'} in this channel.\n"
        f"Leading hypothesis: {cause}\n"
        f"{action_items} action items to review. It is a draft: correct it before sharing."
    )
