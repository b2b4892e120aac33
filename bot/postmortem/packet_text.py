"""The posted packet read back from its stored plain text (``incidents.packet_text``, written
by :func:`bot.packet.render.render_plain`). The packet itself is not stored as a value, and
re-running triage for a postmortem would describe the evidence as it is now, not as the
people in the channel saw it; the text is what they saw. A round-trip test keeps this reader
in step with the renderer."""

from __future__ import annotations

from bot.postmortem.facts import PacketFacts

__all__ = ["read_packet_text"]

# The renderer's section headings, and which field of PacketFacts each fills.
_FIELDS = {
    "Signals": "evidence",
    "Likely cause": "causes",
    "Warnings": "warnings",
    "Likely owner": "owners",
    "Runbook": "runbook",
    "Suggested next action": "suggested",
    "Evidence unavailable": "unavailable",
}
# What the renderer writes into an empty section, which is not evidence.
_PLACEHOLDERS = {"Signals": ("No signal beyond the alert itself",)}


def read_packet_text(text: str | None) -> PacketFacts | None:
    """The packet's sections, or None when no packet was ever stored for the incident."""
    if not text or not text.strip():
        return None
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("- ") and current is not None:
            current.append(line[2:])
        elif line.endswith(":") and line[:-1] in _FIELDS:
            current = found.setdefault(_FIELDS[line[:-1]], [])
        else:
            current = None  # the header lines (Service: ..., Severity: ...)
    for heading, placeholder in _PLACEHOLDERS.items():
        name = _FIELDS[heading]
        if tuple(found.get(name, ())) == placeholder:
            found[name] = []
    return PacketFacts(**{name: tuple(lines) for name, lines in found.items()})
