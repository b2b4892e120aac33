"""What the bot says about incidents: their status, merges and splits, severity, resolving,
declaring, the commander and on-demand triage."""

from __future__ import annotations

from collections.abc import Sequence

from bot.incident.status import IncidentStatusReport, IncidentSummary
from bot.mrkdwn import Mrkdwn, channel_link, mrkdwn, user_mention
from bot.narrator.untrusted import shown_as_data
from bot.packet.render import sections
from bot.packet.values import Packet

__all__ = [
    "RESOLVE_NOTE_HINT",
    "already_resolved",
    "ask_to_resolve",
    "commander_set",
    "commander_unchanged",
    "declared",
    "declared_again",
    "declared_in",
    "declared_pending",
    "render_status",
    "resolution_noted",
    "resolved_by",
    "resolved_with_note",
    "severity_changed",
    "triage_pending",
    "triage_posted",
    "triage_preview",
]


def _incident_line(incident: IncidentSummary) -> Mrkdwn:
    where = (
        mrkdwn(" in {}", channel_link(incident.channel_id))
        if incident.channel_id
        else " (channel pending)"
    )
    leader = (
        mrkdwn(" · commander {}", user_mention(incident.commander)) if incident.commander else ""
    )
    return mrkdwn(
        "INC-{id} · {severity} · {service} · {title} · opened {at:%Y-%m-%d %H:%M} UTC{where}"
        "{leader}",
        id=incident.id,
        severity=incident.severity,
        service=incident.service,
        title=shown_as_data(incident.title),
        at=incident.opened_at,
        where=Mrkdwn(where),
        leader=Mrkdwn(leader),
    )


def render_status(report: IncidentStatusReport | Sequence[IncidentSummary]) -> Mrkdwn:
    """``/status``: alert titles, services and targets escaped; channels and people live."""
    if not isinstance(report, IncidentStatusReport):
        if not report:
            return Mrkdwn("No open incidents.")
        lines = [mrkdwn("Open incidents ({}):", len(report))]
        lines.extend(mrkdwn("- {}", _incident_line(incident)) for incident in report)
        return Mrkdwn("\n").join(lines)
    incident = report.incident
    lines = [
        mrkdwn("Status of INC-{}: {}", incident.id, incident.status),
        mrkdwn("Service: {}", incident.service),
        mrkdwn("Severity: {}", incident.severity),
        mrkdwn("Opened: {:%Y-%m-%d %H:%M} UTC", incident.opened_at),
    ]
    if incident.commander:
        lines.append(mrkdwn("Commander: {}", user_mention(incident.commander)))
    lines.append(mrkdwn("Signals ({}):", len(report.signals)))
    lines.extend(
        mrkdwn(
            "- #{id} [{status}] {title} ({source}, since {at:%H:%M} UTC)",
            id=signal.id,
            status=signal.status,
            title=shown_as_data(signal.title),
            source=signal.source,
            at=signal.started_at,
        )
        for signal in report.signals
    )
    if report.actions:
        lines.append(mrkdwn("Open actions ({}):", len(report.actions)))
        lines.extend(
            mrkdwn(
                "- #{id} {kind} {target}: {state}",
                id=action.id,
                kind=action.kind,
                target=action.target,
                state=action.state,
            )
            for action in report.actions
        )
    else:
        lines.append(Mrkdwn("Open actions: none"))
    return Mrkdwn("\n").join(lines)


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


def resolved_by(incident_id: int, user: str) -> Mrkdwn:
    return mrkdwn("INC-{} resolved by {}.", incident_id, user_mention(user))


def already_resolved(incident_id: int) -> str:
    return f"INC-{incident_id} is already resolved; nothing changed."


RESOLVE_NOTE_HINT = (
    "What fixed it? `/incident resolve <what fixed it>` here keeps a note for the next similar "
    "incident (`/incident resolve noise` if it was not an incident)."
)


def resolved_with_note(incident_id: int, user: str, *, noted: bool, noise: bool) -> Mrkdwn:
    """Resolved from ``/incident resolve``: with the note kept, as noise, or with the hint."""
    said = resolved_by(incident_id, user) + " "
    if noise:
        return said + "Marked as not an incident (noise)."
    if noted:
        return said + "The note is kept for the next similar incident."
    return said + RESOLVE_NOTE_HINT


def resolution_noted(incident_id: int, user: str) -> Mrkdwn:
    return mrkdwn(
        "{} added what resolved INC-{}; it is kept for the next similar incident.",
        user_mention(user),
        incident_id,
    )


def _quoted(text: str) -> str:
    """Someone's words in quotes, marked as untrusted when they read like an instruction."""
    shown = shown_as_data(text)
    return shown if shown != text else f"“{text}”"


def declared(service: str, severity: str, title: str) -> str:
    return (
        f"Declared: {severity} on {service}, {_quoted(title)}. The incident's channel and packet "
        "are on their way."
    )


def declared_in(incident_id: int, channel_id: str, *, opened: bool) -> Mrkdwn:
    if opened:
        return mrkdwn(
            "INC-{} is open in {}; you are invited.", incident_id, channel_link(channel_id)
        )
    return mrkdwn(
        "INC-{} was already open for this; your declaration joined it in {}, and you are invited.",
        incident_id,
        channel_link(channel_id),
    )


def declared_pending(incident_id: int | None) -> str:
    which = f"INC-{incident_id}" if incident_id is not None else "The incident"
    return f"{which} has no channel yet; `/status` will show it once it has."


def declared_again() -> str:
    return "That declaration was already received; nothing new was opened."


def commander_set(incident_id: int, commander: str, by: str) -> Mrkdwn:
    return mrkdwn(
        "{} is now the incident commander of INC-{} (set by {}).",
        user_mention(commander),
        incident_id,
        user_mention(by),
    )


def commander_unchanged(incident_id: int, commander: str) -> Mrkdwn:
    return mrkdwn(
        "{} already commands INC-{}; nothing changed.", user_mention(commander), incident_id
    )


def triage_posted(incident_id: int, *, replaced: bool) -> str:
    follows = " Updates now go to it." if replaced else ""
    return f"Triage of INC-{incident_id} re-run: the fresh packet is in the channel.{follows}"


def triage_pending(incident_id: int) -> str:
    return f"INC-{incident_id} has no channel yet; its first packet is on its way."


def triage_preview(packet: Packet, asked_at: str) -> str:
    """A read-only packet for a service with no incident, said to be one."""
    lines = [
        f"Read-only triage of {packet.service} at {asked_at} UTC: no incident was opened, and "
        "only you see this.",
    ]
    for section in sections(packet):
        lines.append(f"{section.heading}:")
        shown = section.lines
        if section.heading == "Signals" and not packet.signals:  # there is no alert to go by
            shown = ("Nothing found in the evidence gathered",)
        lines.extend(f"- {line}" for line in shown)
    return "\n".join(lines)
