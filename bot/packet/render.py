"""The packet in plain text: the format people read in the channel and in the demo.

Block Kit rendering lives with the Slack adapter; it uses the same sections in the same order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from bot.packet.values import Packet

__all__ = ["PacketSection", "header_lines", "render_plain", "sections"]


@dataclass(frozen=True, slots=True)
class PacketSection:
    heading: str
    lines: tuple[str, ...]


def _owner_line(team: str, group: str | None) -> str:
    return f"{team} (on call: @{group})" if group else team


def sections(packet: Packet) -> Iterator[PacketSection]:
    """The packet's list sections, in reading order; empty ones say so rather than vanish."""
    yield PacketSection("Signals", packet.signals or ("No signal beyond the alert itself",))
    if packet.causes:
        yield PacketSection("Likely cause", packet.causes)
    if packet.warnings:
        yield PacketSection("Warnings", packet.warnings)
    yield PacketSection(
        "Likely owner",
        tuple(_owner_line(owner.display, owner.slack_group) for owner in packet.owners)
        or ("Unknown: the service is not in the catalog",),
    )
    yield PacketSection(
        "Suggested next action",
        tuple(action.text for action in packet.actions) or ("None yet: gather more evidence",),
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


def render_plain(packet: Packet) -> str:
    lines = ["Incident packet", *header_lines(packet)]
    for section in sections(packet):
        lines.append(f"{section.heading}:")
        lines.extend(f"- {line}" for line in section.lines)
    return "\n".join(lines)
