"""The App Home tab's words, and the kill switch's."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from bot.incident.status import IncidentSummary
from bot.mrkdwn import Mrkdwn, channel_link, mrkdwn, user_mention
from bot.narrator.untrusted import shown_as_data
from bot.outcomes.render import describe_rate, describe_seconds
from bot.outcomes.values import OutcomeFigures

if TYPE_CHECKING:  # a type only: the words need no service at run time
    from bot.killswitch.service import KillSwitch

__all__ = [
    "HOME_TITLE",
    "home_approval",
    "home_incident",
    "home_no_approvals",
    "home_no_incidents",
    "home_outcomes",
    "home_quarantine",
    "kill_switch_state",
    "kill_switch_turned",
    "kill_switch_unchanged",
    "person",
]


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
