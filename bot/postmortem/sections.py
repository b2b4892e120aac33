"""The deterministic text of the postmortem's account sections (Summary, Impact, Trigger,
Detection, Root cause and contributing factors, Resolution), from the facts alone: pure. Every
section says something: where the data holds nothing, it says plainly what is unknown."""

from __future__ import annotations

from collections.abc import Sequence

from bot.narrator.untrusted import shown_as_data as data
from bot.postmortem.confirmations import (
    CONFIRMED_EVENT,
    confirmations,
    contributing_factors,
    mark,
    quoted,
    stated_causes,
)
from bot.postmortem.facts import ActionFact, ChannelMessage, PostmortemFacts, SignalFact
from bot.postmortem.measures import DONE_STATES, Measures, conditions, duration, stamp
from bot.postmortem.people import Names

__all__ = [
    "CONFIRMED_EVENT",
    "condition_lines",
    "confirmed_causes",
    "detection_lines",
    "impact_lines",
    "people_messages",
    "plural",
    "resolution_lines",
    "root_cause_lines",
    "summary_text",
    "top_cause",
    "trigger_lines",
]


def plural(count: int, word: str) -> str:
    """``1 signal``, ``3 signals``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def people_messages(facts: PostmortemFacts) -> tuple[ChannelMessage, ...]:
    return tuple(message for message in facts.messages if not message.from_bot)


def top_cause(facts: PostmortemFacts) -> str | None:
    """The packet's leading hypothesis, outside text in it shown quoted when it reads like an
    instruction (a PR title is part of a deploy hypothesis)."""
    if facts.packet is None or not facts.packet.causes:
        return None
    return data(facts.packet.causes[0])


def confirmed_causes(facts: PostmortemFacts) -> tuple[str, ...]:
    """What was confirmed as a cause (:mod:`bot.postmortem.confirmations`), in the audit's
    words."""
    return tuple(c.cause for c in confirmations(facts))


def summary_text(facts: PostmortemFacts, measures: Measures) -> str:
    incident = facts.incident
    parts = [
        f"INC-{incident.id} ({incident.severity}) affected {incident.service}: "
        f"{data(incident.title)}.",
        f"The first signal fired at {stamp(measures.first_signal)}; the incident was opened at "
        f"{stamp(measures.opened)}.",
    ]
    if measures.ended:
        parts.append(
            f"It was resolved at {stamp(measures.end)}, "
            f"{duration(measures.end - measures.first_signal)} after the first signal."
        )
    else:
        parts.append(f"It is {measures.span()}.")
    if facts.signals:
        sources = ", ".join(sorted({s.source for s in facts.signals}))
        parts.append(
            f"{plural(len(facts.signals), 'signal')} arrived from {sources} for "
            f"{plural(len(conditions(facts.signals)), 'condition')}."
        )
    top, confirmed = top_cause(facts), confirmations(facts)
    if confirmed:
        first = confirmed[0]
        parts.append(f"Confirmed as the cause {first.by(Names.of(facts))}: {data(first.cause)}.")
    elif top:
        parts.append(f"The bot's leading hypothesis (unconfirmed): {top}.")
    else:
        parts.append("The bot established no likely cause from the evidence it gathered.")
    if facts.actions:
        states = sorted({a.state.replace("_", " ") for a in facts.actions})
        parts.append(f"{plural(len(facts.actions), 'action')} recorded ({', '.join(states)}).")
    else:
        parts.append("No action was recorded through the bot.")
    return " ".join(part for part in parts if part)


def condition_lines(signals: Sequence[SignalFact]) -> list[str]:
    """Per alerting condition, oldest first: first fired, last seen firing, cleared or not."""
    by_condition: dict[str, list[SignalFact]] = {}
    for signal in sorted(signals, key=lambda s: (s.received_at, s.id)):
        by_condition.setdefault(signal.fingerprint, []).append(signal)
    lines: list[str] = []
    for group in sorted(by_condition.values(), key=lambda g: min(s.started_at for s in g)):
        firing = [s for s in group if s.status == "firing"]
        first = min(s.started_at for s in firing or group)
        line = f"  - {data(group[0].title)} ({group[0].service}): first seen {stamp(first)}"
        if firing:
            line += f", last seen firing {stamp(max(s.received_at for s in firing))}"
        latest = group[-1]
        if latest.status == "resolved":
            line += f", reported resolved {stamp(latest.received_at)}"
        else:
            line += ", still firing at the last word from its source"
        lines.append(line)
    return lines


def impact_lines(facts: PostmortemFacts, measures: Measures) -> list[str]:
    incident = facts.incident
    opened_at = next(
        (row.details.get("severity") for row in facts.audit if row.event == "incident.opened"),
        None,
    )
    severity = f"Severity: {incident.severity}"
    if opened_at and opened_at != incident.severity:
        severity += f" (opened at {opened_at})"
    lines = [f"- {severity}", f"- Duration: {measures.span()}"]
    if measures.cleared is not None:
        lines.append(
            f"- Every alerting condition had cleared by {stamp(measures.cleared)}, "
            f"{duration(measures.cleared - measures.first_signal)} after the first signal"
        )
    lines.append(
        f"- Signals: {len(facts.signals)} received for "
        f"{plural(len(conditions(facts.signals)), 'alerting condition')}"
    )
    lines.extend(condition_lines(facts.signals))
    lines.append(
        "- Affected services: " + (", ".join(s.service for s in facts.services) or "none recorded")
    )
    facing = False
    for service in facts.services:
        if not service.known:
            lines.append(
                f"  - {service.service}: not in the service catalog; tier and owner unknown"
            )
            continue
        tier = f"tier {service.tier}" if service.tier is not None else "tier unknown"
        facing = facing or service.tier == 1
        note = ", customer-facing" if service.tier == 1 else ""
        lines.append(f"  - {service.service}: {tier}{note}, owned by {service.owner}")
    lines.append(
        "- Customer impact: the evidence holds no measure of it; a tier-1 (customer-facing) "
        "service was affected, so customers were likely affected"
        if facing
        else "- Customer impact: not in the evidence; no affected service is customer-facing "
        "(tier 1) in the catalog"
    )
    return lines


def trigger_lines(facts: PostmortemFacts) -> list[str]:
    first = min(
        (s for s in facts.signals if s.status == "firing"), key=lambda s: s.started_at, default=None
    )
    lines = []
    if first is not None:
        lines.append(
            f"- First signal: {data(first.title)} ({first.source}, {first.service}) at "
            f"{stamp(first.started_at)}"
        )
    top = top_cause(facts)
    if top:
        marked = mark(top, confirmations(facts), Names.of(facts))
        lines.append(f"- What set it off, by the bot's leading hypothesis: {marked}")
    else:
        lines.append("- What set it off: unknown; the bot's evidence did not point to a change")
    return lines


def detection_lines(facts: PostmortemFacts, measures: Measures) -> list[str]:
    m = measures
    lines = [
        f"- Time to detect: {duration(m.opened - m.first_signal)} (first signal "
        f"{stamp(m.first_signal)}, incident opened {stamp(m.opened)})"
    ]
    if m.acknowledged is not None:
        at, who = m.acknowledged
        lines.append(f"- Time to acknowledge: {duration(at - m.opened)} ({who} at {stamp(at)})")
    else:
        lines.append("- Time to acknowledge: no person's response is recorded")
    if m.mitigated is not None:
        at, how = m.mitigated
        lines.append(
            f"- Time to mitigate: {duration(at - m.first_signal)} after the first signal ({how} "
            f"at {stamp(at)})"
        )
    else:
        lines.append("- Time to mitigate: not mitigated in the record yet")
    if m.ended:
        lines.append(f"- Time to resolve: {duration(m.end - m.first_signal)}")
    else:
        lines.append(f"- Time to resolve: {m.span()}")
    return lines


def root_cause_lines(
    facts: PostmortemFacts, *, hypothesis_ids: Sequence[str], evidence_ids: Sequence[str]
) -> list[str]:
    """The ranked hypotheses, each marked confirmed (by whom) or unconfirmed, a cause confirmed
    in someone's own words, the evidence under the ids prose cites, and the contributing
    factors (warnings, missing evidence), each marked the same way."""
    packet = facts.packet
    if packet is None:
        return ["No evidence packet was recorded for this incident. Root cause: unknown."]
    confirmed, names = confirmations(facts), Names.of(facts)
    lines: list[str] = []
    if packet.causes:
        lines.append("Root cause, as the bot ranked the hypotheses at triage time (best first):")
        lines.extend(
            f"- **{id_}** {mark(cause, confirmed, names)}"
            for id_, cause in zip(hypothesis_ids, packet.causes, strict=True)
        )
    else:
        lines.append("The bot ranked no hypothesis: root cause unknown from the evidence.")
    for stated in stated_causes(confirmed):
        note = f" ({quoted(stated.note)})" if stated.note else ""
        lines.append(
            f"- Confirmed {stated.by(names)}, in their own words: {quoted(stated.cause)}{note}"
        )
    lines.append("")
    if packet.evidence:
        lines.append("Evidence:")
        lines.extend(
            f"- **{id_}** {data(line)}"
            for id_, line in zip(evidence_ids, packet.evidence, strict=True)
        )
    else:
        lines.append("Evidence: nothing beyond the alert itself.")
    factors = contributing_factors(packet)
    lines.extend(["", "Contributing factors:"])
    lines.extend(f"- {mark(factor, confirmed, names)}" for factor in factors)
    if not factors:
        lines.append("- None recorded by the bot; add what the people involved know.")
    return lines


def _action_line(action: ActionFact) -> str:
    at = action.finished_at or action.executed_at or action.decided_at or action.proposed_at
    result = f": {action.result}" if action.result else ""
    return (
        f"- Action #{action.id} {action.kind} of {action.target}: "
        f"{action.state.replace('_', ' ')} at {stamp(at)}{result}"
    )


def resolution_lines(facts: PostmortemFacts, measures: Measures, names: Names) -> list[str]:
    incident = facts.incident
    latest = conditions(facts.signals)
    cleared = sum(1 for status in latest.values() if status == "resolved")
    if incident.open:
        lines = [f"No resolution recorded yet: INC-{incident.id} is {measures.span()}."]
    else:
        resolved = [row for row in facts.audit if row.event == "incident.resolved"]
        by = f" by {names.person(resolved[-1].actor)}" if resolved else ""
        when = stamp(measures.end) if measures.ended else "an unrecorded time"
        lines = [f"INC-{incident.id} was resolved{by} at {when}."]
        if incident.merged_into is not None:
            lines.append(f"It was merged into INC-{incident.merged_into}, which carries on.")
    if latest:
        lines.append(
            f"{cleared} of {plural(len(latest), 'alerting condition')} reported resolved by "
            "their source."
        )
    taken = [a for a in facts.actions if a.state in DONE_STATES]
    if taken:
        lines.append("Actions carried out:")
        lines.extend(_action_line(action) for action in taken)
    else:
        lines.append("No action was carried out through the bot; any fix was made outside it.")
    return lines
