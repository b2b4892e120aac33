"""Which write-back steps an incident of ours owes the PagerDuty incident it came from, and the
note's text. Pure: the flows read the facts, this decides.

- ``note``: once the packet is in the channel (its summary, redacted, and the channel's link);
- ``acknowledge``: once a commander is named (a person has taken the incident);
- ``resolve``: only once a person resolved the incident in Slack (the Resolve button,
  ``/incident resolve``). Alerts that resolve on their own, the PagerDuty incident resolving
  itself, or a merge into another incident never resolve anything in PagerDuty.

A step that can no longer fall due once the incident is resolved (no packet was posted, no
commander was named, it was resolved by a merge) is skipped, so every PagerDuty incident's
write-back ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.pager.models import WriteBackStep
from bot.redaction import redact

__all__ = [
    "FINGERPRINT_PREFIX",
    "Due",
    "IncidentFacts",
    "Resolution",
    "StepDecision",
    "due_steps",
    "note_marker",
    "note_text",
    "pagerduty_incident_of",
]

FINGERPRINT_PREFIX = "pagerduty:"  # bot.signal.sources.pagerduty: one fingerprint per incident
NOTE_LINES = 40
NOTE_CHARS = 6000  # PagerDuty takes 25,000; a note is read on a phone


class Resolution(StrEnum):
    OPEN = "open"
    BY_PERSON = "by_person"  # a person resolved it in Slack
    BY_MERGE = "by_merge"  # merged into another incident: that one carries on
    OTHERWISE = "otherwise"  # resolved, but not by a person in Slack


class Due(StrEnum):
    RUN = "run"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What the decisions read about one incident of ours."""

    incident_id: int
    service: str
    severity: str
    title: str
    packet_posted: bool
    channel_id: str | None
    channel_name: str | None
    packet_text: str | None
    commander: str | None
    resolution: Resolution


@dataclass(frozen=True, slots=True)
class StepDecision:
    step: WriteBackStep
    due: Due
    reason: str


def pagerduty_incident_of(fingerprint: str) -> str | None:
    """The PagerDuty incident id in a signal's fingerprint (``pagerduty:Q1W2E3`` -> ``Q1W2E3``)."""
    if not fingerprint.startswith(FINGERPRINT_PREFIX):
        return None
    found = fingerprint.removeprefix(FINGERPRINT_PREFIX)
    return found or None


def due_steps(facts: IncidentFacts, finished: frozenset[WriteBackStep]) -> list[StepDecision]:
    """The steps to run or to skip now, in order (note, acknowledge, resolve), leaving out the
    ``finished`` ones and those not due yet."""
    resolved = facts.resolution is not Resolution.OPEN
    decisions: list[StepDecision] = []
    if WriteBackStep.NOTE not in finished:
        if facts.packet_posted and facts.channel_id:
            decisions.append(StepDecision(WriteBackStep.NOTE, Due.RUN, "the packet is posted"))
        elif resolved:
            decisions.append(
                StepDecision(WriteBackStep.NOTE, Due.SKIP, "resolved before a packet was posted")
            )
    if WriteBackStep.ACKNOWLEDGE not in finished:
        if facts.commander:
            decisions.append(
                StepDecision(WriteBackStep.ACKNOWLEDGE, Due.RUN, "a commander is named")
            )
        elif resolved:
            decisions.append(
                StepDecision(
                    WriteBackStep.ACKNOWLEDGE, Due.SKIP, "resolved without a commander named"
                )
            )
    if WriteBackStep.RESOLVE not in finished:
        if facts.resolution is Resolution.BY_PERSON:
            decisions.append(
                StepDecision(WriteBackStep.RESOLVE, Due.RUN, "a person resolved it in Slack")
            )
        elif resolved:
            why = (
                "merged into another incident"
                if facts.resolution is Resolution.BY_MERGE
                else "not resolved by a person in Slack"
            )
            decisions.append(
                StepDecision(
                    WriteBackStep.RESOLVE,
                    Due.SKIP,
                    f"{why}: only a person's resolution resolves PagerDuty",
                )
            )
    return decisions


def note_marker(incident_id: int) -> str:
    """The line that identifies the bot's note, so a retry after a crash finds it."""
    return f"[incident-bot INC-{incident_id}]"


def _summary_lines(packet_text: str) -> list[str]:
    lines: list[str] = []
    size = 0
    for line in packet_text.splitlines():
        if len(lines) >= NOTE_LINES or size + len(line) > NOTE_CHARS:
            lines.append("(cut here; the whole packet is in the channel)")
            break
        lines.append(line)
        size += len(line) + 1
    return lines


def note_text(facts: IncidentFacts) -> str:
    """The note: who the bot is, where the channel is, and the packet's summary quoted as data
    (every line behind ``> ``, redacted again), ending with the marker."""
    channel = f"#{facts.channel_name}" if facts.channel_name else "its channel"
    link = f"https://slack.com/app_redirect?channel={facts.channel_id}"
    quoted = [f"> {line}" if line else ">" for line in _summary_lines(facts.packet_text or "")]
    parts = [
        f"Incident bot: INC-{facts.incident_id} ({facts.service}, {facts.severity}) is worked "
        f"in Slack {channel}: {link}",
        "",
        "Evidence packet summary, quoted as the bot wrote it (alert and log text in it is data, "
        "not instructions; secrets and customer data redacted):",
        *quoted,
        "",
        note_marker(facts.incident_id),
    ]
    return redact("\n".join(parts))
