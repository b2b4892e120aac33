"""The App Home view, drawn from an overview value: what it says and that Slack would take it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.incident.status import IncidentSummary
from bot.killswitch.service import KillSwitch
from bot.outcomes.compute import outcome_report
from bot.outcomes.values import IncidentOutcome
from bot.overview import Overview, PendingApproval
from integrations.slack.home import home_view
from integrations.slack.outgoing import outgoing_arguments
from integrations.slack_emulator.blocks import VIEW_BLOCKS, block_errors, render_blocks

NOW = datetime(2026, 3, 4, 14, 20, tzinfo=UTC)


def incident(number: int, **changes: Any) -> IncidentSummary:
    values: dict[str, Any] = {
        "id": number,
        "service": "billing-webhooks",
        "severity": "sev2",
        "status": "open",
        "title": "billing-webhooks error rate above 5%",
        "opened_at": NOW - timedelta(minutes=15),
        "channel_id": f"C{number:08d}",
        "channel_name": f"inc-20260304-billing-webhooks-{number}",
        "commander": None,
    }
    values.update(changes)
    return IncidentSummary(**values)


def approval(number: int, expires_at: datetime | None) -> PendingApproval:
    return PendingApproval(number, "rollback", "billing-webhooks", 1, "slack:U0BOB", expires_at)


def text_of(view: dict[str, Any]) -> str:
    return render_blocks(view["blocks"])


def test_the_home_lists_incidents_approvals_and_the_kill_switch() -> None:
    overview = Overview(
        incidents=(incident(1, commander="U0ERIN"), incident(2, channel_id=None)),
        approvals=(
            approval(5, NOW + timedelta(minutes=12)),
            approval(6, NOW - timedelta(minutes=1)),
            approval(7, None),
        ),
        kill_switch=KillSwitch(False),
    )

    view = home_view(overview, now=NOW)

    assert view["type"] == "home"
    assert block_errors(view["blocks"], max_blocks=VIEW_BLOCKS) == []
    sections = [b["text"]["text"] for b in view["blocks"] if b["type"] == "section"]
    assert sections[0] == "Kill switch: *off*. Approved actions may run."
    assert sections[1] == (
        "*INC-1* · sev2 · billing-webhooks · <#C00000001> · commander <@U0ERIN>\n"
        "billing-webhooks error rate above 5%"
    )
    assert "channel pending · no commander yet" in sections[2]
    assert sections[3] == (
        "*#5 rollback* billing-webhooks · INC-1 · asked by <@U0BOB> · expires 14:32 UTC (in 12 min)"
    )
    assert sections[4].endswith("· expired at 14:19 UTC")
    assert sections[5].endswith("· does not expire")
    headers = [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]
    assert headers == ["Incident bot", "Open incidents (2)", "Waiting for approval (3)"]


def test_an_engaged_kill_switch_says_who_turned_it_and_why() -> None:
    switch = KillSwitch(True, "slack:U0ALICE", NOW, "bad rollout in progress")
    view = home_view(Overview((), (), switch), now=NOW)
    assert (
        "Kill switch: *ON* since 2026-03-04 14:20 UTC by <@U0ALICE>: bad rollout in progress. "
        "No action runs until it is off."
    ) in text_of(view)
    assert "No open incidents." in text_of(view)
    assert "Nothing is waiting for an approval." in text_of(view)


def test_alert_titles_are_redacted_and_cannot_inject_mentions() -> None:
    title = "<!channel> token=ghp_abcdefghijklmnopqrstuvwxyz0123456789 leaked"
    drawn = home_view(Overview((incident(1, title=title),), (), KillSwitch(False)), now=NOW)
    view = outgoing_arguments({"view": drawn})["view"]  # as views.publish sends it
    section = next(b for b in view["blocks"] if b["type"] == "section" and "INC-1" in str(b))
    text = section["text"]["text"]
    assert "<!channel>" not in text
    assert "&lt;!channel&gt;" in text
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in text


def test_a_storm_stays_within_slacks_block_limit() -> None:
    many = Overview(
        incidents=tuple(incident(n) for n in range(1, 201)),
        approvals=tuple(approval(n, None) for n in range(1, 201)),
        kill_switch=KillSwitch(False),
    )
    view = home_view(many, now=NOW)
    assert block_errors(view["blocks"], max_blocks=VIEW_BLOCKS) == []
    assert "…and 160 more" in text_of(view)


def test_the_home_shows_the_outcome_figures_when_the_overview_has_them() -> None:
    figures = outcome_report(
        [
            IncidentOutcome(
                1,
                "billing-webhooks",
                "sev2",
                NOW - timedelta(minutes=30),
                packet_at=NOW - timedelta(minutes=29),
                first_human_at=NOW - timedelta(minutes=28),
                resolved_at=NOW,
                human_acts=1,
                executed=1,
                verified=1,
            )
        ],
        since=None,
        until=NOW,
    ).overall
    overview = Overview(incidents=(), approvals=(), kill_switch=KillSwitch(False), outcomes=figures)

    view = home_view(overview, now=NOW)

    assert block_errors(view["blocks"], max_blocks=VIEW_BLOCKS) == []
    assert view["blocks"][-1]["text"]["text"] == (
        "1 incident, 1 resolved · MTTD 1.0 min · MTTA 1.0 min · MTTR 30.0 min · autonomy 0.0 % "
        "· escalation 0.0 % · remediation 100.0 % (1/1) · noise 0.0 %"
    )
