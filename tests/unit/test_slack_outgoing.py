"""What leaves for Slack's Web API: every text field redacted, text the bot did not compose
escaped, nothing else touched."""

from __future__ import annotations

from typing import Any

from bot.mrkdwn import Mrkdwn, mrkdwn, user_mention
from integrations.slack.outgoing import SafeAck, outgoing_arguments, outgoing_text

SECRET_TITLE = "login failed for jane.doe@example.com with password=hunter2"


def _message(text: str) -> dict[str, Any]:
    return {
        "channel": "C0123",
        "text": text,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Incident packet"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": f"Title: {text}"}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]},
            {
                "type": "actions",
                "block_id": "resolve-7",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "incident_resolve",
                        "value": "7",
                        "text": {"type": "plain_text", "text": "Resolve"},
                        "confirm": {"title": {"type": "plain_text", "text": text[:90]}},
                    }
                ],
            },
        ],
        "metadata": {"event_type": "incident_packet", "event_payload": {"incident_id": 7}},
    }


def test_every_text_field_of_a_message_and_its_blocks_is_redacted() -> None:
    sent = outgoing_arguments(_message(SECRET_TITLE))
    expected = "login failed for [redacted:email] with password=[redacted:password]"
    assert sent["text"] == expected
    assert sent["blocks"][1]["text"]["text"] == f"Title: {expected}"
    assert sent["blocks"][2]["elements"][0]["text"] == expected
    assert "jane.doe" not in str(sent)
    assert "hunter2" not in str(sent)


def test_ids_values_and_metadata_are_left_as_they_were() -> None:
    original = _message(SECRET_TITLE)
    sent = outgoing_arguments(original)
    assert sent["channel"] == "C0123"
    assert sent["metadata"] == original["metadata"]
    button = sent["blocks"][3]["elements"][0]
    assert (button["action_id"], button["value"]) == ("incident_resolve", "7")
    assert sent["blocks"][3]["block_id"] == "resolve-7"


def test_a_message_without_secrets_is_sent_unchanged() -> None:
    original = _message("p99 above 2s on billing-webhooks since 14:02 (deploy 3f9c2a1)")
    assert outgoing_arguments(original) == original


def test_a_topic_is_redacted_and_kept_within_its_limit() -> None:
    topic = "billing · " + "token=ab " * 25 + "· INC-3"
    assert len(topic) <= 250
    sent = outgoing_arguments({"channel": "C1", "topic": topic})
    assert "token=ab" not in sent["topic"]
    assert len(sent["topic"]) <= 250
    assert sent["topic"].endswith("…")


def test_a_header_that_grows_past_its_limit_is_cut_back() -> None:
    header = "x" * 120 + " token=abc"
    sent = outgoing_arguments(
        {"blocks": [{"type": "header", "text": {"type": "plain_text", "text": header}}]}
    )
    text = sent["blocks"][0]["text"]["text"]
    assert "abc" not in text[120:]
    assert len(text) <= 150


HOSTILE = "<!channel> <!here> <!subteam^S123> <@U123> <https://evil.example|click> & co"
ESCAPED = (
    "&lt;!channel&gt; &lt;!here&gt; &lt;!subteam^S123&gt; &lt;@U123&gt; "
    "&lt;https://evil.example|click&gt; &amp; co"
)


def test_plain_text_anywhere_in_a_call_is_escaped() -> None:
    sent = outgoing_arguments(_message(HOSTILE) | {"topic": HOSTILE})
    assert sent["text"] == ESCAPED
    assert sent["topic"] == ESCAPED
    assert sent["blocks"][1]["text"]["text"] == f"Title: {ESCAPED}"
    assert sent["blocks"][2]["elements"][0]["text"] == ESCAPED
    for opening in ("<!", "<@", "<http"):
        assert opening not in str(sent)


def test_text_the_bot_composed_keeps_its_own_mentions_and_escapes_what_it_quotes() -> None:
    composed = mrkdwn("{} turned it on: {}", user_mention("U0ALICE"), HOSTILE)
    sent = outgoing_arguments({"text": composed, "blocks": [_section(composed)]})
    assert sent["text"] == f"<@U0ALICE> turned it on: {ESCAPED}"
    assert sent["blocks"][0]["text"]["text"] == sent["text"]


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def test_the_door_can_be_passed_twice_without_escaping_twice() -> None:
    once = outgoing_arguments({"text": HOSTILE + " password=hunter2"})
    twice = outgoing_arguments(once)
    assert twice == once
    assert isinstance(once["text"], Mrkdwn)
    assert "hunter2" not in once["text"]


def test_a_composed_text_is_redacted_too() -> None:
    sent = outgoing_text(mrkdwn("{} says {}", user_mention("U1"), "AKIAIOSFODNN7EXAMPLE"))
    assert sent == "<@U1> says [redacted:aws_key]"


def test_a_view_for_app_home_is_escaped_and_redacted() -> None:
    view = {"type": "home", "blocks": [_section(HOSTILE + " ghp_" + "a1" * 18)]}
    sent = outgoing_arguments({"user_id": "U1", "view": view})
    text = sent["view"]["blocks"][0]["text"]["text"]
    assert text.startswith(ESCAPED)
    assert "ghp_" not in text


async def test_an_ack_that_carries_text_escapes_and_redacts_it() -> None:
    ack = SafeAck()  # type: ignore[no-untyped-call]
    response = await ack(text=f"{HOSTILE} password=hunter2", response_type="ephemeral")
    assert ESCAPED in response.body
    assert "hunter2" not in response.body
    assert "<!channel>" not in response.body
    bare = SafeAck()  # type: ignore[no-untyped-call]
    assert (await bare()).status == 200
