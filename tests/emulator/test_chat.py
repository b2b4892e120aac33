"""chat.* through slack_sdk: messages with blocks, threads and metadata, Block Kit's limits,
updates, deletions and ephemeral messages."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import EmulatorClient
from tests.emulator.support import slack_error


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _button(text: str = "Go", value: str = "v", action_id: str = "go") -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "value": value,
        "action_id": action_id,
    }


async def test_a_posted_message_comes_back_in_slacks_shape(web: AsyncWebClient) -> None:
    blocks = [_section("*Incident packet*")]
    answer = await web.chat_postMessage(channel="C0INCIDENTS", text="packet", blocks=blocks)
    assert answer["channel"] == "C0INCIDENTS"
    message = answer["message"]
    assert message["ts"] == answer["ts"]
    assert (message["type"], message["text"], message["user"]) == ("message", "packet", "U0BOT")
    assert message["bot_id"] == "B0BOT"
    assert _without_block_ids(message["blocks"]) == blocks
    assert all(block["block_id"] for block in message["blocks"])  # Slack makes one up
    assert "thread_ts" not in message


async def test_message_timestamps_are_slacks_strings_and_strictly_increase(
    web: AsyncWebClient,
) -> None:
    stamps = [
        (await web.chat_postMessage(channel="C0INCIDENTS", text=str(n)))["ts"] for n in range(5)
    ]
    for ts in stamps:
        seconds, micros = ts.split(".")
        assert (len(seconds), len(micros)) == (10, 6)
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 5


async def test_blocks_may_be_sent_as_json_text(web: AsyncWebClient) -> None:
    answer = await web.api_call(
        "chat.postMessage",
        params={"channel": "C0INCIDENTS", "text": "t", "blocks": '[{"type": "divider"}]'},
    )
    assert _without_block_ids(answer["message"]["blocks"]) == [{"type": "divider"}]


async def test_a_reply_goes_into_the_thread_it_names(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    parent = await web.chat_postMessage(channel="C0INCIDENTS", text="parent")
    reply = await web.chat_postMessage(channel="C0INCIDENTS", text="reply", thread_ts=parent["ts"])
    assert reply["message"]["thread_ts"] == parent["ts"]
    seen = await people.messages("C0INCIDENTS")
    assert [(m["text"], m["thread_ts"]) for m in seen] == [
        ("parent", None),
        ("reply", parent["ts"]),
    ]


async def test_a_reply_to_a_reply_lands_in_the_parents_thread(web: AsyncWebClient) -> None:
    parent = await web.chat_postMessage(channel="C0INCIDENTS", text="parent")
    first = await web.chat_postMessage(channel="C0INCIDENTS", text="one", thread_ts=parent["ts"])
    second = await web.chat_postMessage(channel="C0INCIDENTS", text="two", thread_ts=first["ts"])
    assert second["message"]["thread_ts"] == parent["ts"]


async def test_metadata_is_kept_with_the_message(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    metadata = {"event_type": "incident_packet", "event_payload": {"incident_id": 3}}
    await web.chat_postMessage(channel="C0INCIDENTS", text="packet", metadata=metadata)
    (message,) = await people.messages("C0INCIDENTS")
    assert message["metadata"] == metadata


async def test_metadata_without_an_event_type_is_invalid_metadata_format(
    web: AsyncWebClient,
) -> None:
    call = web.chat_postMessage(channel="C0INCIDENTS", text="t", metadata={"event_payload": {}})
    assert await slack_error(call) == "invalid_metadata_format"


@pytest.mark.parametrize(
    ("channel", "error"),
    [("C0GENERAL", "not_in_channel"), ("C0NOPE", "channel_not_found")],
)
async def test_posting_needs_a_channel_the_bot_is_in(
    web: AsyncWebClient, channel: str, error: str
) -> None:
    assert await slack_error(web.chat_postMessage(channel=channel, text="hi")) == error


async def test_posting_to_an_archived_channel_is_is_archived(web: AsyncWebClient) -> None:
    channel = (await web.conversations_create(name="inc-closed"))["channel"]["id"]
    await web.conversations_archive(channel=channel)
    assert await slack_error(web.chat_postMessage(channel=channel, text="hi")) == "is_archived"


async def test_a_message_without_text_or_blocks_is_no_text(web: AsyncWebClient) -> None:
    call = web.api_call("chat.postMessage", json={"channel": "C0INCIDENTS", "text": ""})
    assert await slack_error(call) == "no_text"


async def test_text_over_40000_characters_is_msg_too_long(web: AsyncWebClient) -> None:
    call = web.chat_postMessage(channel="C0INCIDENTS", text="x" * 40_001)
    assert await slack_error(call) == "msg_too_long"


@pytest.mark.parametrize(
    ("blocks", "message"),
    [
        (
            [_section("x" * 3001)],
            "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            [{"type": "divider"}] * 51,
            "[ERROR] no more than 50 items allowed [json-pointer:/blocks]",
        ),
        (
            [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            "[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
            "[ERROR] no more than 10 items allowed [json-pointer:/blocks/0/fields]",
        ),
        (
            [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
            "[ERROR] must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]",
        ),
        (
            [{"type": "actions", "elements": [_button(action_id=f"b{n}") for n in range(26)]}],
            "[ERROR] no more than 25 items allowed [json-pointer:/blocks/0/elements]",
        ),
        (
            [{"type": "actions", "elements": [_button(text="b" * 76)]}],
            "[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
        ),
        (
            [{"type": "actions", "elements": [_button(value="v" * 2001)]}],
            "[ERROR] must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
        ),
        (
            [{"type": "actions", "elements": [_button(action_id="a" * 256)]}],
            "[ERROR] must be less than 256 characters "
            "[json-pointer:/blocks/0/elements/0/action_id]",
        ),
        (
            [{"type": "divider", "block_id": "b" * 256}],
            "[ERROR] must be less than 256 characters [json-pointer:/blocks/0/block_id]",
        ),
        (
            [{"type": "carousel"}],
            "[ERROR] unsupported type: carousel [json-pointer:/blocks/0/type]",
        ),
    ],
    ids=[
        "section-text",
        "too-many-blocks",
        "header-text",
        "too-many-fields",
        "field-text",
        "too-many-buttons",
        "button-text",
        "button-value",
        "action-id",
        "block-id",
        "unknown-type",
    ],
)
async def test_blocks_over_slacks_limits_are_invalid_blocks_with_a_pointer(
    web: AsyncWebClient, blocks: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(SlackApiError) as caught:
        await web.chat_postMessage(channel="C0INCIDENTS", text="t", blocks=blocks)
    assert caught.value.response["error"] == "invalid_blocks"
    assert caught.value.response["response_metadata"]["messages"] == [message]


async def test_blocks_at_slacks_limits_are_accepted(web: AsyncWebClient) -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 150}},
        _section("s" * 3000),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2000}] * 10},
        {"type": "actions", "elements": [_button(action_id=f"b{n}") for n in range(25)]},
        *([{"type": "divider"}] * 46),
    ]
    assert (await web.chat_postMessage(channel="C0INCIDENTS", text="t", blocks=blocks))["ok"]


async def test_a_message_is_updated_in_place(web: AsyncWebClient, people: EmulatorClient) -> None:
    posted = await web.chat_postMessage(channel="C0INCIDENTS", text="before")
    blocks = [_section("after, in blocks")]
    updated = await web.chat_update(
        channel="C0INCIDENTS", ts=posted["ts"], text="after", blocks=blocks
    )
    assert (updated["ts"], updated["text"]) == (posted["ts"], "after")
    assert _without_block_ids(updated["message"]["blocks"]) == blocks
    (message,) = await people.messages("C0INCIDENTS")
    assert (message["ts"], message["text"]) == (posted["ts"], "after")
    assert message["blocks"] == updated["message"]["blocks"]


async def test_updating_an_unknown_message_is_message_not_found(web: AsyncWebClient) -> None:
    call = web.chat_update(channel="C0INCIDENTS", ts="1700000000.000001", text="x")
    assert await slack_error(call) == "message_not_found"


async def test_the_bot_cannot_update_a_persons_message(
    web: AsyncWebClient, people: EmulatorClient, bolt: object
) -> None:
    mention = await people.event("app_mention", "U0ALICE", "C0INCIDENTS", "<@U0BOT> hi")
    assert mention["ts"] is not None
    call = web.chat_update(channel="C0INCIDENTS", ts=mention["ts"], text="edited")
    assert await slack_error(call) == "cant_update_message"


async def test_a_deleted_message_is_gone(web: AsyncWebClient, people: EmulatorClient) -> None:
    posted = await web.chat_postMessage(channel="C0INCIDENTS", text="oops")
    await web.chat_delete(channel="C0INCIDENTS", ts=posted["ts"])
    assert await people.messages("C0INCIDENTS") == []


async def test_an_ephemeral_message_is_seen_only_by_its_recipient(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    answer = await web.chat_postEphemeral(channel="C0INCIDENTS", user="U0ALICE", text="just you")
    (message,) = await people.messages("C0INCIDENTS")
    assert message["ts"] == answer["message_ts"]
    assert (message["ephemeral"], message["recipient"]) == (True, "U0ALICE")


async def test_an_ephemeral_message_is_not_in_the_channels_history(web: AsyncWebClient) -> None:
    await web.chat_postEphemeral(channel="C0INCIDENTS", user="U0ALICE", text="just you")
    assert (await web.conversations_history(channel="C0INCIDENTS"))["messages"] == []


async def test_an_ephemeral_message_to_someone_outside_the_channel_is_user_not_in_channel(
    web: AsyncWebClient,
) -> None:
    call = web.chat_postEphemeral(channel="C0INCIDENTS", user="U0BOB", text="x")
    assert await slack_error(call) == "user_not_in_channel"


def _without_block_ids(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{key: value for key, value in block.items() if key != "block_id"} for block in blocks]


async def test_a_block_id_sent_is_kept_and_one_not_sent_is_made_up_once(
    web: AsyncWebClient,
) -> None:
    """Slack gives every block a ``block_id``: the one sent, or one of its own that stays the
    same on every read of the message."""
    sent = [
        {**_section("kept"), "block_id": "packet-summary"},
        _section("given one"),
    ]
    posted = await web.chat_postMessage(channel="C0INCIDENTS", text="t", blocks=sent)
    kept, made_up = posted["message"]["blocks"]
    assert kept["block_id"] == "packet-summary"
    assert isinstance(made_up["block_id"], str)
    assert made_up["block_id"]
    history = await web.conversations_history(channel="C0INCIDENTS", limit=1)
    assert [block["block_id"] for block in history["messages"][0]["blocks"]] == [
        "packet-summary",
        made_up["block_id"],
    ]
