"""Text the bot composed versus text anyone else wrote: only the bot's own mentions and links
are live; every value from an alert, a log or a person is escaped as it is joined in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import messages
from bot.action.models import ActionState
from bot.incident.status import IncidentStatusReport, IncidentSummary, OpenAction, SignalLine
from bot.killswitch.service import KillSwitch
from bot.mrkdwn import Mrkdwn, channel_link, escape, link, mrkdwn, user_mention
from integrations.slack.outgoing import outgoing_arguments

HOSTILE = (
    "<!channel>",
    "<!here>",
    "<!subteam^S123>",
    "<@U123>",
    "<https://evil.example|click>",
)
AT = datetime(2026, 3, 4, 14, 2, tzinfo=UTC)


def live(text: str) -> list[str]:
    """The hostile sequences that would still notify or link in ``text``."""
    return [sequence for sequence in HOSTILE if sequence in text]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_a_value_formatted_into_composed_text_is_escaped(hostile: str) -> None:
    text = mrkdwn("Alert {title} from {who}", title=hostile, who=user_mention("U0ALICE"))
    assert isinstance(text, Mrkdwn)
    assert live(text) == []
    assert "<@U0ALICE>" in text


def test_concatenating_or_joining_plain_text_escapes_it() -> None:
    composed = Mrkdwn("*Title*: ") + "<!here> & co"
    assert composed == "*Title*: &lt;!here&gt; &amp; co"
    assert "<!here>" + Mrkdwn("!") == "&lt;!here&gt;!"
    assert Mrkdwn("\n").join(["<@U1>", channel_link("C1")]) == "&lt;@U1&gt;\n<#C1>"
    assert Mrkdwn("a %s") % "<!channel>" == "a &lt;!channel&gt;"


def test_an_fstring_gives_plain_text_back_which_is_not_trusted() -> None:
    composed = Mrkdwn("<@U1>")
    assert type(f"{composed} <!channel>") is str


def test_escaping_is_not_repeated_on_composed_text() -> None:
    once = escape("a < b & c")
    assert escape(once) is once
    assert once == "a &lt; b &amp; c"


def test_mentions_and_links_are_live_only_for_what_slack_could_have_given_us() -> None:
    assert user_mention("U0ALICE") == "<@U0ALICE>"
    assert user_mention("U1> <!channel") == "@U1&gt; &lt;!channel"
    assert channel_link("C0123") == "<#C0123>"
    assert channel_link("x><!here") == "#x&gt;&lt;!here"
    assert link("https://x.example/a?b=1&c=2", "logs <b>") == (
        "<https://x.example/a?b=1&amp;c=2|logs &lt;b&gt;>"
    )
    assert link("https://x.example/a|b", "l|m") == "<https://x.example/a%7Cb|l¦m>"
    assert live(link("javascript:alert(1)", "<!channel>")) == []
    assert not link("javascript:alert(1)", "x").startswith("<")


def test_numbers_and_times_keep_their_format_specs() -> None:
    assert mrkdwn("{n:>3} at {at:%H:%M}", n=7, at=AT) == "  7 at 14:02"


def _summary(text: str) -> IncidentSummary:
    return IncidentSummary(
        id=1,
        service=text,
        severity="sev2",
        status="open",
        title=text,
        opened_at=AT,
        channel_id="C0001",
        channel_name="inc-x",
        commander="U0ERIN",
    )


@pytest.mark.parametrize("hostile", HOSTILE)
def test_status_escapes_titles_services_and_targets_and_keeps_the_bots_mentions(
    hostile: str,
) -> None:
    report = IncidentStatusReport(
        _summary(hostile),
        (SignalLine(4, hostile, hostile, "firing", AT),),
        (OpenAction(5, "rollback", hostile, "proposed"),),
    )
    for text in (messages.render_status(report), messages.render_status([_summary(hostile)])):
        assert isinstance(text, Mrkdwn)
        assert live(text) == []
        assert "<@U0ERIN>" in text
    assert "<#C0001>" in messages.render_status([_summary(hostile)])


@pytest.mark.parametrize("hostile", HOSTILE)
def test_the_kill_switch_reason_is_escaped_wherever_it_is_said(hostile: str) -> None:
    turned = messages.kill_switch_turned(True, "U0ALICE", hostile)
    state = messages.kill_switch_state(KillSwitch(True, "slack:U0ALICE", AT, hostile))
    for text in (turned, state):
        assert live(text) == []
        assert "<@U0ALICE>" in text


@pytest.mark.parametrize("hostile", HOSTILE)
def test_every_composed_message_escapes_what_it_quotes(hostile: str) -> None:
    composed = [
        messages.home_incident(_summary(hostile)),
        messages.home_approval(
            action_id=5,
            kind="rollback",
            target=hostile,
            incident_id=1,
            proposed_by=hostile,
            expires_at=None,
            now=AT,
        ),
        messages.action_status(
            ActionState.FAILED, requested_by=hostile, decided_by="slack:U0BOB", result=hostile
        ),
        messages.already_decided(5, ActionState.DENIED, hostile),
        messages.person(hostile),
        messages.commander_set(1, hostile, "U0BOB"),
        messages.merged_away(1, 2, hostile),
        messages.declared_in(1, hostile, opened=True),
        messages.resolved_by(1, hostile),
        messages.postmortem_refused(1, hostile),
    ]
    for text in composed:
        assert isinstance(text, Mrkdwn)
        assert live(text) == []


@pytest.mark.parametrize("hostile", HOSTILE)
def test_plain_messages_quoting_input_are_escaped_whole_at_the_door(hostile: str) -> None:
    plain = [
        messages.declared("billing", "sev2", hostile),
        messages.usage_error(messages.TRIAGE_USAGE, f"Not understood: `{hostile}`"),
        messages.action_failed(3, hostile),
        messages.action_refused("rule", hostile),
    ]
    for text in plain:
        sent = outgoing_arguments({"text": text})
        assert live(sent["text"]) == []
