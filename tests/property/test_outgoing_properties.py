"""Properties of the one door for Slack text over any input: text the bot did not compose comes
out with no ``<`` or ``>`` at all (so nothing in it can notify, mention or link), redacted; a
second pass changes nothing; composed text keeps exactly the live sequences the bot put in."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.mrkdwn import Mrkdwn, channel_link, mrkdwn, user_mention
from bot.redaction import redact
from integrations.slack.outgoing import outgoing_arguments, outgoing_text

PIECES = st.sampled_from(
    [
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<!subteam^S123>",
        "<@U123>",
        "<#C123>",
        "<https://evil.example|click>",
        "<mailto:a@b.c>",
        "&lt;",
        "&amp;",
        "&",
        "<",
        ">",
        "|",
        "password=hunter2",
        "AKIAIOSFODNN7EXAMPLE",
        "jane.doe@example.com",
        "*bold*",
        "`code`",
        " ",
        "\n",
    ]
)
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=12).map("".join)
EXAMPLES = settings(max_examples=300, deadline=None)


@EXAMPLES
@given(text=TEXT)
def test_untrusted_text_leaves_with_no_angle_bracket_and_redacted(text: str) -> None:
    sent = outgoing_text(text)
    assert "<" not in sent
    assert ">" not in sent
    assert redact(str(sent)) == sent


@EXAMPLES
@given(text=TEXT)
def test_the_door_is_idempotent(text: str) -> None:
    message = {
        "text": text,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }
    once = outgoing_arguments(message)
    assert outgoing_arguments(once) == once


@EXAMPLES
@given(title=TEXT, reason=TEXT)
def test_composed_text_keeps_only_the_bots_own_sequences(title: str, reason: str) -> None:
    composed = mrkdwn(
        "{who} in {where}: {title} ({reason})",
        who=user_mention("U0ALICE"),
        where=channel_link("C0001"),
        title=title,
        reason=reason,
    )
    sent = outgoing_text(composed)
    assert isinstance(sent, Mrkdwn)
    assert sent.count("<") == 2
    assert sent.count(">") == 2
    assert sent.startswith("<@U0ALICE> in <#C0001>: ")
