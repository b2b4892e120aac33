"""The App Home tab in Block Kit, drawn from an :class:`Overview`: pure, so it is tested
without Slack, and within Slack's limits (100 blocks a view, 3000 characters a section).

Alert titles, services, targets and the kill switch's reason are escaped as the messages are
composed (:mod:`bot.mrkdwn`); the view is redacted on its way out like every other text, by
:class:`integrations.slack.outgoing.SafeWebClient`. A long list is cut with a line saying how many
more there are rather than overflowing the view."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import messages
from bot.overview import Overview
from integrations.slack.blocks import text_section

__all__ = ["MAX_APPROVALS", "MAX_INCIDENTS", "home_view"]

MAX_INCIDENTS = 40
MAX_APPROVALS = 40  # with the headers, dividers, the switch and outcomes: within 100 blocks


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _more(count: int) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": f"…and {count} more"}]}


def home_view(overview: Overview, *, now: datetime) -> dict[str, Any]:
    """The ``views.publish`` view: open incidents, pending approvals, the kill switch, and the
    outcome figures when the overview has them."""
    blocks: list[dict[str, Any]] = [
        _header(messages.HOME_TITLE),
        text_section(messages.kill_switch_state(overview.kill_switch)),
    ]
    if overview.quarantined.total:
        counts = overview.quarantined
        blocks.append(text_section(messages.home_quarantine(counts.signals, counts.incidents)))
    blocks += [{"type": "divider"}, _header(f"Open incidents ({len(overview.incidents)})")]
    if not overview.incidents:
        blocks.append(text_section(messages.home_no_incidents()))
    for incident in overview.incidents[:MAX_INCIDENTS]:
        blocks.append(text_section(messages.home_incident(incident)))
    if len(overview.incidents) > MAX_INCIDENTS:
        blocks.append(_more(len(overview.incidents) - MAX_INCIDENTS))
    blocks += [{"type": "divider"}, _header(f"Waiting for approval ({len(overview.approvals)})")]
    if not overview.approvals:
        blocks.append(text_section(messages.home_no_approvals()))
    for approval in overview.approvals[:MAX_APPROVALS]:
        line = messages.home_approval(
            action_id=approval.id,
            kind=approval.kind,
            target=approval.target,
            incident_id=approval.incident_id,
            proposed_by=approval.proposed_by,
            expires_at=approval.expires_at,
            now=now,
        )
        blocks.append(text_section(line))
    if len(overview.approvals) > MAX_APPROVALS:
        blocks.append(_more(len(overview.approvals) - MAX_APPROVALS))
    if overview.outcomes is not None:
        blocks += [
            {"type": "divider"},
            _header("Outcomes (all time)"),
            text_section(messages.home_outcomes(overview.outcomes)),
        ]
    return {"type": "home", "blocks": blocks}
