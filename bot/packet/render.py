"""The packet in plain text: the format people read in the channel and in the demo, and the
copy stored for display (``incidents.packet_text``, read back by the postmortem).

Block Kit rendering lives with the Slack adapter; it uses the same sections in the same order.
The lines are plain text: whatever they quote from alerts and logs is escaped and redacted by
the Slack adapter on its way out, never here. What is stored for display is
:func:`stored_text`, the same text redacted.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.action.kinds import ActionKind
from bot.action.wording import not_carried_out
from bot.history.section import similar_line
from bot.narrator.untrusted import shown_as_data, shown_within
from bot.packet.values import Owner, Packet, RunbookFit, SuggestedAction
from bot.redaction import redact

__all__ = [
    "NARRATOR_OFF",
    "TITLE_LIMIT",
    "PacketSection",
    "context_line",
    "footer_lines",
    "header_lines",
    "owner_line",
    "render_plain",
    "runbook_lines",
    "sections",
    "stored_text",
]

NARRATOR_OFF = (
    "Narrator off (no ANTHROPIC_API_KEY): every line above is the bot's own deterministic analysis"
)


@dataclass(frozen=True, slots=True)
class PacketSection:
    heading: str
    lines: tuple[str, ...]


def owner_line(owner: Owner) -> str:
    """``Payments platform (on call: @payments-oncall), from Backstage (path:3)``."""
    line = owner.display
    if owner.slack_group:
        line += f" (on call: @{owner.slack_group})"
    if owner.origin:
        line += f", {owner.origin}"
    return line


def _score(fit: RunbookFit) -> str:
    """``high-latency (score 2: keyword latency)``."""
    return f"{fit.id} (score {fit.score}: {'; '.join(fit.reasons) or 'nothing in common'})"


def runbook_lines(packet: Packet) -> tuple[str, ...]:
    """The chosen runbook with why it fits and how to verify, or that none fits and which came
    closest, so a missing runbook is visible rather than silently absent."""
    fit = packet.runbook
    if fit is not None:
        lines = [f"{fit.id}: {fit.title}", f"Fits: {'; '.join(fit.reasons)}"]
        if fit.verify:
            lines.append(f"Verify: {fit.verify}")
        return tuple(lines)
    if packet.closest_runbooks:
        closest = ", ".join(_score(candidate) for candidate in packet.closest_runbooks)
        return (f"No runbook fits; closest: {closest}",)
    return ("No runbook fits, and none comes close",)


def _suggestion_line(action: SuggestedAction) -> str:
    """The suggestion, and, for a kind nothing can carry out (failover), that plainly."""
    if action.kind is ActionKind.FAILOVER:
        return f"{action.text} ({not_carried_out(action.kind.value, action.kind.label)})"
    return action.text


def sections(packet: Packet) -> Iterator[PacketSection]:
    """The packet's list sections, in reading order; empty ones say so rather than vanish. A
    line carrying outside text that reads like an instruction is shown quoted and marked."""
    for section in _sections(packet):
        yield PacketSection(section.heading, tuple(shown_as_data(line) for line in section.lines))


def _sections(packet: Packet) -> Iterator[PacketSection]:
    yield PacketSection("Signals", packet.signals or ("No signal beyond the alert itself",))
    if packet.causes:
        yield PacketSection("Likely cause", packet.causes)
    if packet.warnings:
        yield PacketSection("Warnings", packet.warnings)
    yield PacketSection(
        "Likely owner",
        tuple(owner_line(owner) for owner in packet.owners)
        or ("Unknown: the service is not in the catalog",),
    )
    yield PacketSection("Runbook", runbook_lines(packet))
    if packet.history:
        yield PacketSection("Seen before", tuple(similar_line(item) for item in packet.history))
    yield PacketSection(
        "Suggested next action",
        tuple(_suggestion_line(action) for action in packet.actions)
        or ("None yet: gather more evidence",),
    )
    yield PacketSection(
        "Requires approval",
        tuple(kind.label for kind in packet.requires_approval) or ("Nothing suggested yet",),
    )
    if packet.unavailable:
        yield PacketSection(
            "Evidence unavailable",
            tuple(f"{failure.source}: {failure.reason}" for failure in packet.unavailable),
        )


def header_lines(packet: Packet) -> tuple[str, ...]:
    return (
        f"Service: {packet.service}",
        f"Severity: {packet.severity.value} candidate",
        f"First seen: {packet.first_seen:%H:%M} UTC",
    )


TITLE_LIMIT = 300  # characters of the alert's title under the packet, its mark included


def context_line(packet: Packet) -> str:
    """``INC-1 · <the alert's title>`` under the packet: the title is the alert's words, so
    when it reads like an instruction it is shown quoted and marked as untrusted."""
    return f"INC-{packet.incident_id} · {shown_within(packet.title, TITLE_LIMIT)}"


def footer_lines(packet: Packet) -> tuple[str, ...]:
    """Notes under the packet: whether a language model took part."""
    return (NARRATOR_OFF,) if packet.narrator_off else ()


def render_plain(packet: Packet) -> str:
    """The whole packet as plain text (not redacted: see :func:`stored_text`)."""
    lines = ["Incident packet", *header_lines(packet)]
    for section in sections(packet):
        lines.append(f"{section.heading}:")
        lines.extend(f"- {line}" for line in section.lines)
    lines.append(context_line(packet))
    lines.extend(footer_lines(packet))
    return "\n".join(lines)


def stored_text(packet: Packet) -> str:
    """The packet as it is kept for display (``incidents.packet_text``): plain text, redacted,
    since the database, a postmortem and an export read it back."""
    return redact(render_plain(packet))
