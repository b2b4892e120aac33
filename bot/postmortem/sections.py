"""The deterministic text of each section, from the facts alone. Every section says something:
where the data holds nothing, it says plainly what is unknown rather than leaving a gap."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.clock import utc
from bot.postmortem.facts import ActionFact, ChannelMessage, PostmortemFacts, SignalFact
from bot.postmortem.timeline import person

__all__ = [
    "MISSING_RUNBOOK_WORDS",
    "action_items",
    "condition_lines",
    "duration",
    "impact_lines",
    "people_messages",
    "plural",
    "resolution_lines",
    "root_cause_lines",
    "stamp",
    "summary_text",
]

# How the packet words the missing-runbook marker (bot.packet.build.MARKER_WORDS).
MISSING_RUNBOOK_WORDS = "No runbook fits"
_OPEN_ACTION_STATES = {"proposed", "approved", "executing"}


def stamp(value: datetime) -> str:
    """``2026-03-04 14:03:00 UTC``."""
    return f"{utc(value):%Y-%m-%d %H:%M:%S} UTC"


def duration(delta: timedelta) -> str:
    """``1 h 05 min``, ``42 min``, ``2 d 3 h``; never negative."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min"


def _first_alert(facts: PostmortemFacts) -> datetime:
    firing = [s.started_at for s in facts.signals if s.status == "firing"]
    return min([facts.incident.first_seen_at, *firing], key=utc)


def _end(facts: PostmortemFacts) -> tuple[datetime, bool]:
    """When the incident ended, and whether it has (else: the draft's time, so far)."""
    resolved = facts.incident.resolved_at
    if not facts.incident.open and resolved is not None:
        return resolved, True
    return facts.drafted_at, False


def _conditions(signals: Sequence[SignalFact]) -> dict[str, str]:
    """Each alerting condition (fingerprint) and its latest status."""
    latest: dict[str, str] = {}
    for signal in sorted(signals, key=lambda s: (utc(s.received_at), s.id)):
        latest[signal.fingerprint] = signal.status
    return latest


def plural(count: int, word: str) -> str:
    """``1 signal``, ``3 signals``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def people_messages(facts: PostmortemFacts) -> tuple[ChannelMessage, ...]:
    return tuple(message for message in facts.messages if not message.from_bot)


def _top_cause(facts: PostmortemFacts) -> str | None:
    return facts.packet.causes[0] if facts.packet is not None and facts.packet.causes else None


def summary_text(facts: PostmortemFacts) -> str:
    incident = facts.incident
    first = _first_alert(facts)
    end, ended = _end(facts)
    sources = sorted({s.source for s in facts.signals})
    parts = [
        f"INC-{incident.id} ({incident.severity}) affected {incident.service}: {incident.title}.",
        f"The first alert fired at {stamp(first)}; the incident was opened at "
        f"{stamp(incident.opened_at)}.",
    ]
    if ended:
        parts.append(f"It was resolved at {stamp(end)}, {duration(end - first)} after it began.")
    else:
        parts.append(
            f"It is still open at the time of this draft ({stamp(end)}), "
            f"{duration(end - first)} after it began."
        )
    if facts.signals:
        parts.append(
            f"{plural(len(facts.signals), 'signal')} arrived from "
            f"{', '.join(sources)} for {plural(len(_conditions(facts.signals)), 'condition')}."
        )
    top = _top_cause(facts)
    parts.append(
        f"The bot's leading hypothesis: {top}."
        if top
        else "The bot established no likely cause from the evidence it gathered."
    )
    if facts.actions:
        states = sorted({a.state.replace("_", " ") for a in facts.actions})
        parts.append(f"{plural(len(facts.actions), 'action')} recorded ({', '.join(states)}).")
    else:
        parts.append("No action was recorded through the bot.")
    return " ".join(parts)


def root_cause_lines(
    facts: PostmortemFacts, *, hypothesis_ids: Sequence[str], evidence_ids: Sequence[str]
) -> list[str]:
    """The analysis as the packet stated it: ranked hypotheses, the evidence, the warnings and
    the evidence that was missing, under the ids prose cites. It is a lead for people to
    confirm, and says so."""
    packet = facts.packet
    if packet is None:
        return [
            "No evidence packet was recorded for this incident, so the bot established no "
            "cause. Root cause: unknown."
        ]
    lines: list[str] = []
    if packet.causes:
        lines.append(
            "The bot ranked these hypotheses from the evidence at triage time (best first); "
            "no person has confirmed a root cause in the data the bot holds:"
        )
        lines.extend(
            f"- **{id_}** {cause}" for id_, cause in zip(hypothesis_ids, packet.causes, strict=True)
        )
    else:
        lines.append("The bot ranked no hypothesis: root cause unknown from the evidence.")
    lines.append("")
    if packet.evidence:
        lines.append("Evidence:")
        lines.extend(
            f"- **{id_}** {line}" for id_, line in zip(evidence_ids, packet.evidence, strict=True)
        )
    else:
        lines.append("Evidence: nothing beyond the alert itself.")
    if packet.warnings:
        lines.append("")
        lines.append("Warnings raised:")
        lines.extend(f"- {warning}" for warning in packet.warnings)
    if packet.unavailable:
        lines.append("")
        lines.append("Evidence that could not be gathered (the analysis is blind there):")
        lines.extend(f"- {item}" for item in packet.unavailable)
    return lines


def _done(action: ActionFact) -> bool:
    return action.state in ("succeeded", "verified", "not_verified")


def _action_line(action: ActionFact) -> str:
    at = action.finished_at or action.executed_at or action.decided_at or action.proposed_at
    result = f": {action.result}" if action.result else ""
    return (
        f"- Action #{action.id} {action.kind} of {action.target}: "
        f"{action.state.replace('_', ' ')} at {stamp(at)}{result}"
    )


def resolution_lines(facts: PostmortemFacts) -> list[str]:
    incident = facts.incident
    conditions = _conditions(facts.signals)
    cleared = sum(1 for status in conditions.values() if status == "resolved")
    lines: list[str] = []
    if incident.open:
        lines.append(
            f"No resolution recorded yet: INC-{incident.id} is still open "
            f"as of {stamp(facts.drafted_at)}."
        )
    else:
        resolved = [row for row in facts.audit if row.event == "incident.resolved"]
        by = f" by {person(resolved[-1].actor)}" if resolved else ""
        when = stamp(incident.resolved_at) if incident.resolved_at else "an unrecorded time"
        lines.append(f"INC-{incident.id} was resolved{by} at {when}.")
        if incident.merged_into is not None:
            lines.append(f"It was merged into INC-{incident.merged_into}, which carries on.")
    if conditions:
        lines.append(
            f"{cleared} of {plural(len(conditions), 'alerting condition')} reported resolved "
            "by their source."
        )
    taken = [a for a in facts.actions if _done(a)]
    if taken:
        lines.append("Actions carried out:")
        lines.extend(_action_line(action) for action in taken)
    else:
        lines.append("No action was carried out through the bot; any fix was made outside it.")
    return lines


def condition_lines(signals: Sequence[SignalFact]) -> list[str]:
    """Per alerting condition (fingerprint), oldest first: when it first fired, when it was
    last seen firing (the newest firing delivery the bot received), and when its source
    reported it resolved, or that it was still firing at the last word."""
    by_condition: dict[str, list[SignalFact]] = {}
    for signal in sorted(signals, key=lambda s: (utc(s.received_at), s.id)):
        by_condition.setdefault(signal.fingerprint, []).append(signal)
    lines: list[str] = []
    for group in sorted(by_condition.values(), key=lambda g: min(utc(s.started_at) for s in g)):
        firing = [s for s in group if s.status == "firing"]
        first = min((s.started_at for s in firing or group), key=utc)
        line = f"  - {group[0].title} ({group[0].service}): first seen {stamp(first)}"
        if firing:
            line += f", last seen firing {stamp(max((s.received_at for s in firing), key=utc))}"
        latest = group[-1]
        if latest.status == "resolved":
            line += f", reported resolved {stamp(latest.received_at)}"
        else:
            line += ", still firing at the last word from its source"
        lines.append(line)
    return lines


def impact_lines(facts: PostmortemFacts) -> list[str]:
    incident = facts.incident
    first = _first_alert(facts)
    end, ended = _end(facts)
    opened_severity = next(
        (row.details.get("severity") for row in facts.audit if row.event == "incident.opened"),
        None,
    )
    severity = f"Severity: {incident.severity}"
    if opened_severity and opened_severity != incident.severity:
        severity += f" (opened at {opened_severity})"
    span = f"{stamp(first)} to {stamp(end)}"
    lines = [
        f"- {severity}",
        f"- Duration: {duration(end - first)} ({span}{'' if ended else ', still open'})",
        f"- Signals: {len(facts.signals)} received for "
        f"{plural(len(_conditions(facts.signals)), 'alerting condition')}",
    ]
    lines.extend(condition_lines(facts.signals))
    services = facts.services or ()
    lines.append(
        f"- Affected services: {', '.join(s.service for s in services) or 'none recorded'}"
    )
    customer_facing = False
    for service in services:
        if not service.known:
            lines.append(
                f"  - {service.service}: not in the service catalog; tier and owner unknown"
            )
            continue
        tier = f"tier {service.tier}" if service.tier is not None else "tier unknown"
        facing = service.tier == 1
        customer_facing = customer_facing or facing
        note = ", customer-facing" if facing else ""
        lines.append(f"  - {service.service}: {tier}{note}, owned by {service.owner}")
    if customer_facing:
        lines.append(
            "- Customer impact: likely, a tier-1 (customer-facing) service was affected; "
            "the bot holds no measure of how many customers"
        )
    else:
        lines.append(
            "- Customer impact: unknown; no affected service is tier 1 (customer-facing) "
            "in the catalog"
        )
    return lines


def action_items(facts: PostmortemFacts) -> list[str]:
    """Follow-ups the data calls for: failed or unverified actions, actions left undecided,
    a missing runbook, evidence sources that were down, and the top hypothesis to confirm."""
    items: list[str] = []
    for action in facts.actions:
        what = f"action #{action.id} ({action.kind} of {action.target})"
        if action.state == "failed":
            why = f": {action.result}" if action.result else ""
            items.append(f"Find out why {what} failed{why}")
        elif action.state == "not_verified":
            items.append(f"Check the effect of {what}: it ran but was not verified")
        elif action.state in _OPEN_ACTION_STATES:
            items.append(f"Decide or finish {what}, still {action.state}")
    packet = facts.packet
    if packet is not None:
        for warning in packet.warnings:
            if warning.startswith(MISSING_RUNBOOK_WORDS):
                items.append(
                    f"Write a runbook for {facts.incident.service}: the packet found none that "
                    f"fits ({warning.partition(': ')[2] or warning})"
                )
        for item in packet.unavailable:
            source, _, reason = item.partition(": ")
            items.append(
                f"Restore the {source} evidence source for incidents like this one: it was "
                f"unavailable ({reason or 'no reason recorded'})"
            )
    top = _top_cause(facts)
    if top:
        items.append(f"Confirm or rule out the leading hypothesis: {top}")
        items.append("Once the cause is confirmed, add the check or alert that would catch it")
    else:
        items.append("Establish the root cause: the bot's evidence did not point to one")
    if facts.incident.open:
        items.append(f"Resolve INC-{facts.incident.id} when the service has recovered")
    return [f"- [ ] {item}" for item in items]
