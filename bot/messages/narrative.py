"""The narrator's grounded prose as it is posted, postmortems and confirmed causes."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages.usage import INCIDENT_USAGE, usage_error
from bot.mrkdwn import Mrkdwn, mrkdwn, user_mention
from bot.narrator.untrusted import shown_as_data
from bot.narrator.values import Fact, Narration

__all__ = [
    "POSTMORTEM_USAGE",
    "cause_choices",
    "cause_confirm_refused",
    "cause_confirmed",
    "narrated_answer",
    "narrative",
    "narrative_fallback",
    "postmortem_failed",
    "postmortem_refused",
    "postmortem_summary",
]


def _grounded(title: str, narration: Narration, facts: Sequence[Fact]) -> str:
    """The narrator's kept sentences with their citations, the cited facts spelled out so a
    reader can check each one, and how many sentences were left out."""
    cited = {i for claim in narration.claims for i in claim.evidence_ids}
    lines = [
        f"*{title}*, written by a language model from the packet's facts only; each "
        "sentence cites the facts it rests on:",
        narration.text,
    ]
    # A fact quotes alerts, logs and commits: what reads like an instruction is shown as data.
    lines.extend(f"{fact.id}: {shown_as_data(fact.text)}" for fact in facts if fact.id in cited)
    dropped = len(narration.dropped)
    if dropped:
        sentences = "sentence" if dropped == 1 else "sentences"
        lines.append(f"_{dropped} {sentences} left out: not supported by the facts cited._")
    return "\n".join(lines)


def narrative(narration: Narration, facts: Sequence[Fact]) -> str:
    """The grounded "likely cause" reply in the packet's thread."""
    return _grounded("Likely cause", narration, facts)


def narrative_fallback(causes: Sequence[str], narration: Narration | None) -> str:
    """The "likely cause" reply when the model gave nothing to post: the packet's own ranking,
    and why the model's prose is missing."""
    if narration is not None and narration.error is not None:
        why = f"the narrator could not answer ({narration.error})"
    elif narration is not None and narration.dropped:
        why = "nothing the narrator wrote was supported by the facts"
    else:
        why = "the narrator wrote nothing"
    lines = [f"*Likely cause*, from the bot's own ranking ({why}):"]
    lines.extend(f"- {shown_as_data(cause)}" for cause in causes)
    if not causes:
        lines.append("- None yet: the evidence does not point at one cause.")
    return "\n".join(lines)


def narrated_answer(narration: Narration, facts: Sequence[Fact]) -> str:
    """An ``/explain`` answer written by the narrator."""
    return _grounded("Answer", narration, facts)


POSTMORTEM_USAGE = (
    "Usage: `/postmortem`, in an incident's own channel: drafts the postmortem (summary, impact, "
    "trigger, detection, timeline, root cause and contributing factors, resolution, what went "
    "well and wrong, where we got lucky, action items, lessons) and shares it here as a "
    "Markdown file. It takes no arguments."
)


def postmortem_refused(incident_id: int, commander: str) -> Mrkdwn:
    return mrkdwn(
        "Only the incident commander of INC-{} ({}) can draft its postmortem. Nothing was posted.",
        incident_id,
        user_mention(commander),
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
    confirmed: str | None = None,
) -> str:
    """The message posted next to the draft's file: what it holds, in three lines.
    ``confirmed`` is the cause someone confirmed, with who did (it replaces the hypothesis)."""
    state = "still open" if status == "open" else status
    cause = leading_cause or "none established by the bot's evidence"
    said = f"Confirmed cause: {confirmed}" if confirmed else f"Leading hypothesis: {cause}"
    return (
        f"Postmortem draft for INC-{incident_id} ({state}) attached: "
        f"{timeline_entries} timeline entries from the alerts, the audit log, the actions "
        f"and {messages} {'message' if messages == 1 else 'messages'} in this channel.\n"
        f"{said}\n"
        f"{action_items} action items to review. It is a draft: correct it before sharing."
    )


def cause_confirmed(
    incident_id: int, user: str, *, cause: str, kind: str, number: int | None, note: str | None
) -> Mrkdwn:
    """Announced in the channel: who confirmed which cause (the packet's words, escaped)."""
    which = {"hypothesis": "hypothesis {n}", "factor": "contributing factor {n}"}.get(kind)
    what = f" ({which.format(n=number)})" if which and number is not None else ""
    said = mrkdwn(" Note: “{}”", note) if note else ""
    return mrkdwn(
        "{} confirmed as a cause of INC-{}{}: “{}”. The postmortem draft marks it confirmed.{}",
        user_mention(user),
        incident_id,
        what,
        cause,
        Mrkdwn(said),
    )


def cause_confirm_refused(incident_id: int, commander: str | None, reason: str) -> Mrkdwn:
    """Answered privately: who may confirm a cause instead."""
    if commander:
        return mrkdwn(
            "Only the incident commander of INC-{} ({}) can confirm its cause. Nothing was "
            "recorded.",
            incident_id,
            user_mention(commander),
        )
    return mrkdwn(
        "You cannot confirm a cause of INC-{}: {} Nothing was recorded.", incident_id, reason
    )


def cause_choices(incident_id: int, kind: str, number: int, options: Sequence[str]) -> str:
    """The numbers a person may use, when the one they gave is not among them."""
    noun = "hypothesis" if kind == "hypothesis" else "contributing factor"
    if not options:
        listed = f"INC-{incident_id}'s packet lists no {noun}."
    else:
        listed = f"INC-{incident_id}'s packet lists {len(options)}:\n" + "\n".join(
            f"{n}. {option}" for n, option in enumerate(options, start=1)
        )
    return usage_error(INCIDENT_USAGE, f"There is no {noun} {number}. {listed}")
