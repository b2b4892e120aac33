"""The postmortem's review sections, from the record alone: pure. What went well, what went
wrong and where we got lucky; action items, each with an owner and a due date; lessons. The bot
says only what its data shows and leaves room for what the people involved know."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.measures import Measures, duration
from bot.postmortem.people import Names
from bot.postmortem.sections import confirmed_causes, top_cause

__all__ = [
    "MISSING_RUNBOOK_WORDS",
    "ActionItem",
    "action_item_lines",
    "action_items",
    "lessons",
    "went_well",
    "went_wrong",
    "where_lucky",
]

# How the packet words the missing-runbook marker (bot.packet.build.MARKER_WORDS).
MISSING_RUNBOOK_WORDS = "No runbook fits"
OPEN_ACTION_STATES = {"proposed", "approved", "executing"}
FAST_ACK = timedelta(minutes=15)
NOTHING = "Nothing the bot recorded shows this; add what the people involved know."


@dataclass(frozen=True, slots=True)
class ActionItem:
    text: str
    owner: str
    due: date


def _failures(facts: PostmortemFacts) -> tuple[list[str], list[str]]:
    events = [row.event for row in facts.audit]
    failed = [a for a in facts.actions if a.state == "failed"]
    wrong = [f"Action #{a.id} ({a.kind} of {a.target}) failed" for a in failed]
    wrong += [
        f"Action #{a.id} ({a.kind}) ran but could not be verified"
        for a in facts.actions
        if a.state == "not_verified"
    ]
    packet = facts.packet
    if packet is not None:
        wrong += [f"Evidence unavailable during triage: {u}" for u in packet.unavailable]
        wrong += [w for w in packet.warnings if w.startswith(MISSING_RUNBOOK_WORDS)]
    if "incident.slack_failed" in events:
        wrong.append(
            f"{events.count('incident.slack_failed')} Slack calls failed during the incident"
        )
    good = [
        f"Action #{a.id} ({a.kind} of {a.target}) {a.state.replace('_', ' ')}"
        for a in facts.actions
        if a.state in ("succeeded", "verified")
    ]
    refused = events.count("action.approval_refused") + events.count("action.refused")
    if refused:
        good.append(f"The approval policy held: {refused} approval(s) outside it were refused")
    return good, wrong


def went_well(facts: PostmortemFacts, measures: Measures) -> list[str]:
    good, _ = _failures(facts)
    events = [row.event for row in facts.audit]
    lines = []
    if "packet.posted" in events:
        posted = min(row.at for row in facts.audit if row.event == "packet.posted")
        lines.append(
            f"The evidence packet was in the channel {duration(posted - measures.opened)} "
            "after the incident opened"
        )
    if measures.acknowledged is not None and measures.acknowledged[0] - measures.opened <= FAST_ACK:
        lines.append(
            f"A person responded within {duration(measures.acknowledged[0] - measures.opened)}"
        )
    if (
        facts.packet is not None
        and facts.packet.runbook
        and not facts.packet.runbook[0].startswith(MISSING_RUNBOOK_WORDS)
    ):
        lines.append(f"A runbook fit: {facts.packet.runbook[0]}")
    lines += good
    return [f"- {line}" for line in lines] or [f"- {NOTHING}"]


def went_wrong(facts: PostmortemFacts, measures: Measures) -> list[str]:
    _, wrong = _failures(facts)
    if measures.acknowledged is None:
        wrong.append("No person's response to the incident is recorded")
    elif measures.acknowledged[0] - measures.opened > FAST_ACK:
        wrong.append(
            f"The first response came {duration(measures.acknowledged[0] - measures.opened)} "
            "after the incident opened"
        )
    if top_cause(facts) is None:
        wrong.append("The evidence did not point to a cause")
    return [f"- {line}" for line in wrong] or [f"- {NOTHING}"]


def where_lucky(facts: PostmortemFacts, measures: Measures) -> list[str]:
    lines = []
    acted = measures.mitigated is not None and "action" in measures.mitigated[1]
    if measures.cleared is not None and not acted:
        lines.append("Every alert cleared without an action recorded through the bot")
    return [f"- {line}" for line in lines] or [f"- {NOTHING}"]


def action_items(facts: PostmortemFacts, measures: Measures, names: Names) -> list[ActionItem]:
    """Follow-ups the data calls for, each with an owner (the service's owner for the service's
    work, the incident commander for the incident's) and a due date after resolution."""
    incident = facts.incident
    owner = (
        next((s.owner for s in facts.services if s.service == incident.service and s.owner), None)
        or f"the owner of {incident.service} (not in the catalog)"
    )
    lead = names.person(incident.commander) if incident.commander else "the incident commander"
    base = measures.end.date()
    soon = base + timedelta(days=7 if incident.severity in ("sev1", "sev2") else 14)
    items: list[ActionItem] = []
    for a in facts.actions:
        what = f"action #{a.id} ({a.kind} of {a.target})"
        if a.state == "failed":
            why = f": {a.result}" if a.result else ""
            items.append(ActionItem(f"Find out why {what} failed{why}", owner, soon))
        elif a.state == "not_verified":
            items.append(
                ActionItem(f"Check the effect of {what}: it was not verified", owner, soon)
            )
        elif a.state in OPEN_ACTION_STATES:
            items.append(ActionItem(f"Decide or finish {what}, still {a.state}", lead, base))
    packet = facts.packet
    if packet is not None:
        if any(w.startswith(MISSING_RUNBOOK_WORDS) for w in packet.warnings):
            items.append(ActionItem(f"Write a runbook for {incident.service}", owner, soon))
        for item in packet.unavailable:
            source = item.partition(": ")[0]
            items.append(ActionItem(f"Restore the {source} evidence source", owner, soon))
    top = top_cause(facts)
    if top and not confirmed_causes(facts):
        items.append(ActionItem(f"Confirm or rule out the leading hypothesis: {top}", lead, soon))
    items.append(
        ActionItem(
            "Add the check or alert that would have caught the cause earlier"
            if top
            else "Establish the root cause: the bot's evidence did not point to one",
            owner,
            soon,
        )
    )
    if incident.open:
        items.append(
            ActionItem(f"Resolve INC-{incident.id} when the service has recovered", lead, base)
        )
    return items


def action_item_lines(items: list[ActionItem]) -> list[str]:
    lines = ["| # | Action | Owner | Due |", "|---|---|---|---|"]
    lines += [
        f"| {n} | {item.text.replace('|', '/')} | {item.owner} | {item.due:%Y-%m-%d} |"
        for n, item in enumerate(items, start=1)
    ]
    return lines


def lessons(facts: PostmortemFacts, measures: Measures) -> list[str]:
    lines = []
    top = top_cause(facts)
    if top:
        lines.append(
            "Was the bot's leading hypothesis right? Say so here once confirmed, and "
            "what would have caught it before customers did"
        )
    packet = facts.packet
    if packet is not None and packet.unavailable:
        lines.append(
            "The analysis was blind where evidence was unavailable: "
            + "; ".join(packet.unavailable)
        )
    if measures.acknowledged is None:
        lines.append("Nobody's response is on record: check that the on-call group was paged")
    lines.append("Add what the people involved learned; the bot records only what it saw")
    return [f"- {line}" for line in lines]
