"""The App Home tab in Block Kit, drawn from an :class:`Overview`: pure, so it is tested
without Slack, and within Slack's limits (100 blocks a view, 3000 characters a section).

Alert titles are redacted and escaped like the packet's; a long list is cut with a line
saying how many more there are rather than overflowing the view."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from bot import messages
from bot.killswitch.service import KillSwitch
from bot.overview import Overview
from bot.redaction import redact
from integrations.slack.blocks import escape, text_section

__all__ = ["MAX_APPROVALS", "MAX_INCIDENTS", "home_view"]

MAX_INCIDENTS = 40
MAX_APPROVALS = 40  # with the headers, dividers and the switch: within 100 blocks


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _more(count: int) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": f"…and {count} more"}]}


def home_view(overview: Overview, *, now: datetime) -> dict[str, Any]:
    """The ``views.publish`` view: open incidents, pending approvals, the kill switch."""
    blocks: list[dict[str, Any]] = [
        _header(messages.HOME_TITLE),
        text_section(messages.kill_switch_state(_safe_switch(overview.kill_switch))),
    ]
    if overview.quarantined.total:
        counts = overview.quarantined
        blocks.append(text_section(messages.home_quarantine(counts.signals, counts.incidents)))
    blocks += [{"type": "divider"}, _header(f"Open incidents ({len(overview.incidents)})")]
    if not overview.incidents:
        blocks.append(text_section(messages.home_no_incidents()))
    for incident in overview.incidents[:MAX_INCIDENTS]:
        blocks.append(text_section(_safe_title(messages.home_incident(incident), incident.title)))
    if len(overview.incidents) > MAX_INCIDENTS:
        blocks.append(_more(len(overview.incidents) - MAX_INCIDENTS))
    blocks += [{"type": "divider"}, _header(f"Waiting for approval ({len(overview.approvals)})")]
    if not overview.approvals:
        blocks.append(text_section(messages.home_no_approvals()))
    for approval in overview.approvals[:MAX_APPROVALS]:
        line = messages.home_approval(
            action_id=approval.id,
            kind=approval.kind,
            target=escape(approval.target),
            incident_id=approval.incident_id,
            proposed_by=approval.proposed_by,
            expires_at=approval.expires_at,
            now=now,
        )
        blocks.append(text_section(line))
    if len(overview.approvals) > MAX_APPROVALS:
        blocks.append(_more(len(overview.approvals) - MAX_APPROVALS))
    return {"type": "home", "blocks": blocks}


def _safe_switch(switch: KillSwitch) -> KillSwitch:
    """The switch with its reason (a person's words) redacted and escaped."""
    return replace(switch, reason=escape(redact(switch.reason))) if switch.reason else switch


def _safe_title(line: str, title: str) -> str:
    """``line`` with the alert title it ends with redacted and escaped: the rest is ours."""
    return line.removesuffix(title) + escape(redact(title))
