"""How each command is used, and the answers to a command that could not run."""

from __future__ import annotations

from bot.mrkdwn import Mrkdwn, channel_link, mrkdwn

__all__ = [
    "EXPLAIN_USAGE",
    "INCIDENT_USAGE",
    "INCIDENT_USAGE_LINES",
    "NOT_AN_INCIDENT_CHANNEL",
    "STATUS_USAGE",
    "TRIAGE_USAGE",
    "internal_error",
    "merged",
    "merged_away",
    "split",
    "usage_error",
]


STATUS_USAGE = (
    "Usage: `/status` — in an incident channel, that incident's state, signals and open "
    "actions; anywhere else, the open incidents. It takes no arguments."
)


# One line per /incident verb, in the order the usage shows them; a new verb adds its line here.
INCIDENT_USAGE_LINES = (
    "`/incident declare billing-webhooks sev2 Checkout failing` — open an incident yourself "
    "(severity `sev1`..`sev4`, default sev3); anywhere",
    "`/incident commander @erin` — make Erin this incident's commander",
    "`/incident merge INC-12` — fold INC-12 into this incident",
    "`/incident split 40` — move signal #40 (ids in `/status`) out into an incident of its own",
    "`/incident resolve [what fixed it]` · `resolve noise [why]` — resolve this incident; the "
    "note (optional) is what the next similar incident's packet shows",
    "`/incident confirm-cause 1 [note]` — confirm the packet's hypothesis 1 as the cause "
    "(`confirm-cause factor 2 [note]`: its contributing factor 2; any other words: the cause "
    "in yours); the commander, or while none is set whoever may draft the postmortem",
    "`/incident scale billing-webhooks 8` — propose scaling a Deployment (approval per policy)",
    "`/incident restart billing-webhooks` — propose a rollout restart, or name one pod to "
    "restart just it",
    "`/incident killswitch on [reason]` · `off` — stop every action, or allow them again; anywhere",
    "`/incident page [note]` — page the owner of this incident's service in PagerDuty (per policy)",
    "`/incident flag-off new-checkout-flow` — propose turning a feature flag off in the flag "
    "service the bot is set up with (approval per policy)",
    "`/incident flag-on new-checkout-flow` — propose turning it back on (the reversal)",
)


INCIDENT_USAGE = "Usage (all but `declare` in an incident channel):\n" + "\n".join(
    INCIDENT_USAGE_LINES
)


NOT_AN_INCIDENT_CHANNEL = "Run `/incident` in the incident's own channel."


TRIAGE_USAGE = (
    "Usage: `/triage` in an incident channel gathers the evidence again and posts a fresh "
    "packet; `/triage billing-webhooks` anywhere else shows a read-only packet for that service, "
    "only to you, without opening an incident."
)


EXPLAIN_USAGE = (
    "Usage, in an incident channel: `/explain` — why the packet says what it says (the top "
    "hypothesis, its evidence, the runners-up, the warnings, what is unknown); "
    "`/explain why rollback`, `/explain what changed`, `/explain who owns`, "
    "`/explain is it the deploy` — that part of the packet."
)


def merged(other: int, kept: int, moved: int) -> str:
    signals = "signal" if moved == 1 else "signals"
    return f"Merged INC-{other} into INC-{kept}: {moved} {signals} moved; INC-{other} is resolved."


def merged_away(other: int, kept: int, channel_id: str) -> Mrkdwn:
    return mrkdwn(
        "INC-{other} was merged into INC-{kept}; follow it in {channel}.",
        other=other,
        kept=kept,
        channel=channel_link(channel_id),
    )


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
