"""Every text a person reads from the bot, in one place, so wording stays consistent and
reviewable.

Two kinds of text come out, told apart by type (see :mod:`bot.mrkdwn`):

- :class:`~bot.mrkdwn.Mrkdwn` where the bot composes a live mention or channel link
  (``<@U123>``, ``<#C123>``): built with :func:`~bot.mrkdwn.mrkdwn`, so every value from an alert,
  a log or a person is escaped into the template and only the bot's own sequences stay live;
- a plain ``str`` everywhere else: the Slack adapter's one door escapes it whole, so whatever it
  quotes is shown, never obeyed.

Redaction happens at that same door, for both. This module is over 400 lines because it is the
catalogue of the bot's words, one short function per message; splitting it by topic would
scatter the wording reviewers read together."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.action.models import ActionState
from bot.audit.service import AuditEntry
from bot.incident.status import IncidentStatusReport, IncidentSummary
from bot.killswitch.service import KillSwitch
from bot.mrkdwn import Mrkdwn, channel_link, mrkdwn, user_mention
from bot.narrator.untrusted import shown_as_data
from bot.narrator.values import Fact, Narration
from bot.outcomes.render import describe_rate, describe_seconds
from bot.outcomes.values import OutcomeFigures
from bot.packet.render import sections
from bot.packet.values import Packet

__all__ = [
    "BUTTON_NOT_OURS",
    "DRY_RUN_NOT_RUN",
    "EXPLAIN_USAGE",
    "HOME_TITLE",
    "INCIDENT_USAGE",
    "INCIDENT_USAGE_LINES",
    "INTERRUPTED_EXECUTION",
    "INTERRUPTED_VERIFICATION",
    "KILL_SWITCH_STOPPED",
    "NOT_AN_INCIDENT_CHANNEL",
    "NO_CLUSTER",
    "POSTMORTEM_USAGE",
    "RESOLVE_NOTE_HINT",
    "ROLLBACK_NOT_IN_INCIDENT",
    "ROLLBACK_USAGE",
    "STATUS_USAGE",
    "TRIAGE_USAGE",
    "action_approved",
    "action_denied",
    "action_dry_run",
    "action_failed",
    "action_not_planned",
    "action_proposed",
    "action_refused",
    "action_runs_without_approval",
    "action_sent",
    "action_status",
    "already_decided",
    "already_resolved",
    "approval_expired",
    "ask_to_resolve",
    "audit_line",
    "cause_choices",
    "cause_confirm_refused",
    "cause_confirmed",
    "commander_set",
    "commander_unchanged",
    "decided_meanwhile",
    "declared",
    "declared_again",
    "declared_in",
    "declared_pending",
    "home_approval",
    "home_incident",
    "home_no_approvals",
    "home_no_incidents",
    "home_outcomes",
    "home_quarantine",
    "internal_error",
    "kill_switch_state",
    "kill_switch_turned",
    "kill_switch_unchanged",
    "merged",
    "merged_away",
    "narrated_answer",
    "narrative",
    "narrative_fallback",
    "needs_a_human",
    "person",
    "plan_changed",
    "plan_changed_not_runnable",
    "postmortem_failed",
    "postmortem_refused",
    "postmortem_summary",
    "render_status",
    "resolution_noted",
    "resolved_by",
    "resolved_with_note",
    "severity_changed",
    "split",
    "stopped_by_rule",
    "triage_pending",
    "triage_posted",
    "triage_preview",
    "usage_error",
    "verification",
    "verification_result",
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


def audit_line(entry: AuditEntry) -> str:
    """One audit row on one line: sequence, time, incident, actor, event, details, hash prefix."""
    scope = f"INC-{entry.incident_id}" if entry.incident_id is not None else "-"
    details = ", ".join(f"{key}={value}" for key, value in entry.details.items())
    return (
        f"#{entry.seq:<4} {entry.at:%Y-%m-%d %H:%M:%S} {scope:<7} {entry.actor:<20} "
        f"{entry.event:<26} {details}  [{entry.hash[:12]}]"
    )


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


# -- actions and approvals ---------------------------------------------------------------------

ROLLBACK_USAGE = (
    "Usage, in an incident channel: `/rollback [service] [to REVISION]` — propose rolling the "
    "service (default: this incident's) back to its previous revision, or to REVISION. "
    "You see the dry-run plan; it runs only once someone the policy allows approves it."
)
NO_CLUSTER = (
    "No Kubernetes cluster is configured (KUBE_API_URL or KUBE_CONFIG_PATH), so the bot "
    "cannot plan or run actions. The packet's suggestions still stand."
)
ROLLBACK_NOT_IN_INCIDENT = "Run `/rollback` in the incident's own channel."
BUTTON_NOT_OURS = (
    "This button does not match any plan the bot showed (an altered or stale payload); "
    "nothing was approved."
)
DRY_RUN_NOT_RUN = "The bot runs in dry-run mode: plans are shown, never run."
KILL_SWITCH_STOPPED = "The kill switch is on: no action runs until it is turned off."
INTERRUPTED_EXECUTION = (
    "The bot stopped while this action was executing: the write may or may not have reached "
    "the cluster. It is not retried; look at the cluster before doing anything else."
)
INTERRUPTED_VERIFICATION = (
    "The bot stopped while verifying this action: its effect was not confirmed."
)

_STATE_WORDS = {
    "proposed": "Waiting for approval",
    "approved": "Approved",
    "denied": "Denied",
    "expired": "Expired, not run",
    "executing": "Executing",
    "succeeded": "Sent to the cluster, verifying",
    "failed": "Failed",
    "verified": "Done and verified",
    "not_verified": "Done, NOT verified",
}


def _who(actor: str | None) -> Mrkdwn:
    return Mrkdwn("nobody") if actor is None else person(actor)


def action_status(
    state: ActionState, *, requested_by: str, decided_by: str | None, result: str | None
) -> Mrkdwn:
    words = mrkdwn("{} · requested by {}", _STATE_WORDS[state.value], _who(requested_by))
    if decided_by is not None and state is ActionState.DENIED:
        words += mrkdwn(" · denied by {}", _who(decided_by))
    elif decided_by is not None and state not in (ActionState.PROPOSED, ActionState.EXPIRED):
        words += mrkdwn(" · approved by {}", _who(decided_by))
    if result:
        words += mrkdwn("\n{}", result)  # the cluster's words: escaped
    return words


def action_refused(rule: str, reason: str) -> str:
    return f"Refused by policy rule `{rule}`: {reason}"


def stopped_by_rule(rule: str, reason: str) -> str:
    return f"Stopped before any write by policy rule `{rule}`: {reason}"


def action_not_planned(reason: str) -> str:
    return f"No plan: {reason}. Nothing was proposed."


def action_proposed(action_id: int) -> str:
    return (
        f"Action #{action_id} proposed; its dry-run plan is in the channel, waiting for approval."
    )


def action_dry_run(action_id: int) -> str:
    return f"Action #{action_id}: dry-run plan posted. {DRY_RUN_NOT_RUN}"


def action_runs_without_approval(action_id: int) -> str:
    return f"Action #{action_id}: the policy needs no approval for this kind; it ran at once."


def already_decided(action_id: int, state: ActionState, decided_by: str | None) -> Mrkdwn:
    by = mrkdwn(" by {}", _who(decided_by)) if decided_by else Mrkdwn("")
    return mrkdwn(
        "Action #{id} is already {state}{by}; this click changes nothing.",
        id=action_id,
        state=state.value,
        by=by,
    )


def approval_expired(action_id: int) -> str:
    return (
        f"Action #{action_id}'s approval window has closed; it will not run. "
        "Propose it again for a fresh plan."
    )


def decided_meanwhile(action_id: int) -> str:
    return f"Action #{action_id} was decided by someone else a moment ago; it runs at most once."


def action_denied(action_id: int) -> str:
    return f"Action #{action_id} denied; it will not run."


def action_approved(action_id: int) -> str:
    return f"Action #{action_id} approved; results follow in its thread."


def plan_changed(action_id: int) -> str:
    return (
        f"The cluster changed since action #{action_id}'s plan was shown, so that approval is "
        "void. A fresh plan is posted for a fresh decision."
    )


def plan_changed_not_runnable(action_id: int, reason: str) -> str:
    return f"The cluster changed since action #{action_id}'s plan was shown: {reason}."


def action_sent(action_id: int) -> str:
    return f"Action #{action_id}: the cluster accepted the change. Verifying…"


def action_failed(action_id: int, reason: str) -> str:
    return f"Action #{action_id} failed: {reason}. It is not retried automatically."


def needs_a_human(action_id: int, reason: str) -> str:
    return f"action #{action_id} needs a human. {reason}"


def verification(rollout: str, recovery: str | None) -> str:
    if recovery is None:
        return f"Rollout: {rollout}"
    return f"Rollout: {rollout}. Signal: {recovery}"


def verification_result(action_id: int, verified: bool, detail: str) -> str:
    verdict = "verified" if verified else "NOT verified"
    return f"Action #{action_id} {verdict}. {detail}"


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


HOME_TITLE = "Incident bot"


def person(actor: str) -> Mrkdwn:
    """An audit actor as people read it: ``slack:U123`` is a mention, anything else (``bot``,
    ``cli:erin``) is shown as text."""
    if actor.startswith("slack:"):
        return user_mention(actor.removeprefix("slack:"))
    return mrkdwn("{}", actor)


def home_no_incidents() -> str:
    return "No open incidents."


def home_outcomes(figures: OutcomeFigures) -> str:
    """The App Home's outcome line over every incident: ``12 incidents, 11 resolved · MTTD 4.2 s
    · MTTA 1.5 min · MTTR 12.0 min · autonomy 9.1 % · escalation 8.3 % · remediation 100.0 %
    (3/3) · noise 0.0 %`` (``incident-bot report`` has them per service and severity)."""
    remediation = describe_rate(figures.remediation_success_rate)
    if figures.executed:
        remediation += f" ({figures.verified}/{figures.executed})"
    return " · ".join(
        (
            f"{figures.incidents} incident{'' if figures.incidents == 1 else 's'}, "
            f"{figures.resolved} resolved",
            f"MTTD {describe_seconds(figures.mttd_seconds)}",
            f"MTTA {describe_seconds(figures.mtta_seconds)}",
            f"MTTR {describe_seconds(figures.mttr_seconds)}",
            f"autonomy {describe_rate(figures.autonomy_rate)}",
            f"escalation {describe_rate(figures.escalation_rate)}",
            f"remediation {remediation}",
            f"noise {describe_rate(figures.noise_rate)}",
        )
    )


def home_quarantine(signals: int, incidents: int) -> str:
    """The App Home's warning that the pipeline set work aside (bot/quarantine.py)."""
    parts = [f"{signals} alert{'s' if signals != 1 else ''}"] if signals else []
    if incidents:
        parts.append(f"{incidents} incident{'s' if incidents != 1 else ''}")
    return (
        f":warning: *Quarantined after repeated failures:* {' and '.join(parts)}. The rest of the "
        "pipeline goes on. See `incident-bot quarantine list`; put them back with "
        "`incident-bot quarantine retry`."
    )


def home_incident(incident: IncidentSummary) -> Mrkdwn:
    """``*INC-1* · sev2 · billing-webhooks · <#C123> · commander <@U0ERIN>`` and the title."""
    where = channel_link(incident.channel_id) if incident.channel_id else "channel pending"
    leader = (
        mrkdwn("commander {}", user_mention(incident.commander))
        if incident.commander
        else "no commander yet"
    )
    return mrkdwn(
        "*INC-{id}* · {severity} · {service} · {where} · {leader}\n{title}",
        id=incident.id,
        severity=incident.severity,
        service=incident.service,
        where=where,
        leader=leader,
        title=shown_as_data(incident.title),
    )


def home_no_approvals() -> str:
    return "Nothing is waiting for an approval."


def _minutes_left(expires_at: datetime, now: datetime) -> str:
    minutes = int((expires_at - now).total_seconds() // 60)
    return "under a minute" if minutes < 1 else f"{minutes} min"


def home_approval(
    *,
    action_id: int,
    kind: str,
    target: str,
    incident_id: int,
    proposed_by: str,
    expires_at: datetime | None,
    now: datetime,
) -> Mrkdwn:
    """``#5 rollback billing-webhooks · INC-1 · asked by <@U0BOB> · expires 14:30 UTC``."""
    if expires_at is None:
        expiry = "does not expire"
    elif expires_at <= now:
        expiry = f"expired at {expires_at:%H:%M} UTC"
    else:
        expiry = f"expires {expires_at:%H:%M} UTC (in {_minutes_left(expires_at, now)})"
    label = kind.replace("_", " ")
    return mrkdwn(
        "*#{id} {label}* {target} · INC-{incident} · asked by {who} · {expiry}",
        id=action_id,
        label=label,
        target=target,
        incident=incident_id,
        who=person(proposed_by),
        expiry=expiry,
    )


def kill_switch_state(switch: KillSwitch) -> Mrkdwn:
    """The switch as App Home shows it; the reason (a person's words) escaped."""
    if not switch.engaged:
        return Mrkdwn("Kill switch: *off*. Approved actions may run.")
    since = mrkdwn(" since {:%Y-%m-%d %H:%M} UTC", switch.changed_at) if switch.changed_at else ""
    by = mrkdwn(" by {}", person(switch.changed_by)) if switch.changed_by else ""
    reason = mrkdwn(": {}", switch.reason) if switch.reason else ""
    return mrkdwn(
        "Kill switch: *ON*{since}{by}{reason}. No action runs until it is off.",
        since=Mrkdwn(since),
        by=Mrkdwn(by),
        reason=Mrkdwn(reason),
    )


def kill_switch_turned(engaged: bool, user: str, reason: str | None) -> Mrkdwn:
    """Said in the channel when someone turns the switch; the reason escaped."""
    if engaged:
        why = mrkdwn(" ({})", reason) if reason else Mrkdwn("")
        return mrkdwn(
            "Kill switch ON, turned by {}{}: no action runs, including approved ones not yet "
            "started, until it is turned off.",
            user_mention(user),
            why,
        )
    return mrkdwn(
        "Kill switch OFF, turned by {}: approved actions may run again.", user_mention(user)
    )


def kill_switch_unchanged(engaged: bool) -> str:
    return f"The kill switch is already {'on' if engaged else 'off'}; nothing changed."


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
