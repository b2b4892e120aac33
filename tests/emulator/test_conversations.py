"""conversations.* through slack_sdk: Slack's name rules, membership, topics and pagination."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import EmulatorClient
from tests.emulator.support import slack_error


async def _channel(web: AsyncWebClient, name: str) -> str:
    return str((await web.conversations_create(name=name))["channel"]["id"])


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Has-Capitals", "invalid_name_specials"),
        ("inc 42", "invalid_name_specials"),
        ("inc#42", "invalid_name_specials"),
        ("---", "invalid_name_punctuation"),
        ("_-_", "invalid_name_punctuation"),
        ("general", "name_taken"),
    ],
)
async def test_channel_names_follow_slacks_rules(
    web: AsyncWebClient, name: str, error: str
) -> None:
    assert await slack_error(web.conversations_create(name=name)) == error


async def test_a_name_of_eighty_lowercase_characters_digits_and_dashes_is_accepted(
    web: AsyncWebClient,
) -> None:
    name = ("inc-2026_03-" * 7)[:80]
    assert (await web.conversations_create(name=name))["channel"]["name"] == name


async def test_a_created_channel_has_slacks_shape_with_the_bot_as_creator_and_member(
    web: AsyncWebClient,
) -> None:
    channel = (await web.conversations_create(name="inc-shape"))["channel"]
    assert channel["id"][0] == "C"
    assert len(channel["id"]) == 11
    assert channel["id"][1:].isalnum()
    assert channel["id"][1:].upper() == channel["id"][1:]
    assert channel["name"] == "inc-shape"
    assert (channel["is_channel"], channel["is_private"], channel["is_archived"]) == (
        True,
        False,
        False,
    )
    assert (channel["creator"], channel["is_member"], channel["num_members"]) == ("U0BOT", True, 1)
    assert channel["topic"] == {"value": "", "creator": "", "last_set": 0}
    assert set(channel["purpose"]) == {"value", "creator", "last_set"}
    assert isinstance(channel["created"], int)


async def test_a_created_name_is_then_taken(web: AsyncWebClient) -> None:
    await web.conversations_create(name="inc-twice")
    assert await slack_error(web.conversations_create(name="inc-twice")) == "name_taken"


async def test_an_archived_channel_keeps_its_name_taken(web: AsyncWebClient) -> None:
    channel = await _channel(web, "inc-old")
    await web.conversations_archive(channel=channel)
    assert await slack_error(web.conversations_create(name="inc-old")) == "name_taken"


async def test_inviting_people_makes_them_members(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    channel = await _channel(web, "inc-invite")
    answer = await web.conversations_invite(channel=channel, users="U0ALICE,U0BOB")
    assert answer["channel"]["num_members"] == 3
    listed = await people.channel_by_name("inc-invite")
    assert listed is not None
    assert listed["members"] == ["U0BOT", "U0ALICE", "U0BOB"]


async def test_inviting_only_members_already_in_is_already_in_channel(
    web: AsyncWebClient,
) -> None:
    channel = await _channel(web, "inc-again")
    await web.conversations_invite(channel=channel, users="U0ALICE")
    call = web.conversations_invite(channel=channel, users="U0ALICE")
    assert await slack_error(call) == "already_in_channel"


async def test_inviting_one_new_person_among_members_succeeds(web: AsyncWebClient) -> None:
    channel = await _channel(web, "inc-mixed")
    await web.conversations_invite(channel=channel, users="U0ALICE")
    answer = await web.conversations_invite(channel=channel, users="U0ALICE,U0ERIN")
    assert answer["channel"]["num_members"] == 3


@pytest.mark.parametrize(
    ("channel", "users", "error"),
    [
        ("new", "U0BOT", "cant_invite_self"),
        ("new", "U0NOBODY", "user_not_found"),
        ("C0NOPE", "U0ALICE", "channel_not_found"),
        ("C0GENERAL", "U0ALICE", "not_in_channel"),
    ],
)
async def test_invite_refusals_are_slacks(
    web: AsyncWebClient, channel: str, users: str, error: str
) -> None:
    if channel == "new":
        channel = await _channel(web, "inc-refusals")
    assert await slack_error(web.conversations_invite(channel=channel, users=users)) == error


async def test_a_topic_set_shows_in_the_channels_info(web: AsyncWebClient) -> None:
    channel = await _channel(web, "inc-topic")
    answer = await web.conversations_setTopic(channel=channel, topic="sev2 · checkout")
    assert answer["channel"]["topic"]["value"] == "sev2 · checkout"
    info = (await web.conversations_info(channel=channel))["channel"]
    assert info["topic"]["value"] == "sev2 · checkout"
    assert info["topic"]["creator"] == "U0BOT"
    assert info["topic"]["last_set"] > 0


async def test_a_topic_over_250_characters_is_too_long(web: AsyncWebClient) -> None:
    channel = await _channel(web, "inc-long-topic")
    await web.conversations_setTopic(channel=channel, topic="x" * 250)
    call = web.conversations_setTopic(channel=channel, topic="x" * 251)
    assert await slack_error(call) == "too_long"


async def test_setting_a_topic_posts_no_message(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    channel = await _channel(web, "inc-quiet-topic")
    await web.conversations_setTopic(channel=channel, topic="quiet")
    assert await people.messages(channel) == []


async def test_info_on_an_unknown_channel_is_channel_not_found(web: AsyncWebClient) -> None:
    assert await slack_error(web.conversations_info(channel="C0NOPE")) == "channel_not_found"


async def test_the_channel_list_pages_with_a_cursor(web: AsyncWebClient) -> None:
    for number in range(3):
        await web.conversations_create(name=f"inc-page-{number}")
    names: list[str] = []
    cursor = ""
    for _ in range(10):
        page = await web.conversations_list(limit=2, cursor=cursor)
        assert len(page["channels"]) <= 2
        names.extend(channel["name"] for channel in page["channels"])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert names == ["general", "incidents", "inc-page-0", "inc-page-1", "inc-page-2"]


async def test_a_bad_cursor_is_invalid_cursor(web: AsyncWebClient) -> None:
    assert await slack_error(web.conversations_list(cursor="not-a-cursor")) == "invalid_cursor"


async def test_the_channel_list_can_leave_out_archived_channels(web: AsyncWebClient) -> None:
    channel = await _channel(web, "inc-archived")
    await web.conversations_archive(channel=channel)
    everything = await web.conversations_list()
    current = await web.conversations_list(exclude_archived=True)
    assert "inc-archived" in [c["name"] for c in everything["channels"]]
    assert "inc-archived" not in [c["name"] for c in current["channels"]]


async def test_private_channels_are_listed_only_when_asked_for(web: AsyncWebClient) -> None:
    await web.conversations_create(name="inc-secret", is_private=True)
    public = await web.conversations_list()
    both = await web.conversations_list(types="public_channel,private_channel")
    assert "inc-secret" not in [c["name"] for c in public["channels"]]
    secret = next(c for c in both["channels"] if c["name"] == "inc-secret")
    # Slack's current shape (since March 2021): a private channel is a C-id channel with
    # is_private; is_channel false / is_group true is the retired G-id shape.
    assert (secret["is_private"], secret["is_channel"], secret["is_group"]) == (True, True, False)
    assert secret["id"].startswith("C")


async def test_history_is_newest_first_and_leaves_out_thread_replies(
    web: AsyncWebClient,
) -> None:
    first = await web.chat_postMessage(channel="C0INCIDENTS", text="first")
    await web.chat_postMessage(channel="C0INCIDENTS", text="reply", thread_ts=first["ts"])
    await web.chat_postMessage(channel="C0INCIDENTS", text="second")
    history = await web.conversations_history(channel="C0INCIDENTS")
    assert [m["text"] for m in history["messages"]] == ["second", "first"]
    assert history["has_more"] is False
    parent = history["messages"][1]
    assert (parent["thread_ts"], parent["reply_count"]) == (first["ts"], 1)


async def test_history_pages_with_has_more_and_a_cursor(web: AsyncWebClient) -> None:
    for number in range(5):
        await web.chat_postMessage(channel="C0INCIDENTS", text=f"m{number}")
    first = await web.conversations_history(channel="C0INCIDENTS", limit=3)
    assert [m["text"] for m in first["messages"]] == ["m4", "m3", "m2"]
    assert first["has_more"] is True
    cursor = first["response_metadata"]["next_cursor"]
    rest = await web.conversations_history(channel="C0INCIDENTS", limit=3, cursor=cursor)
    assert [m["text"] for m in rest["messages"]] == ["m1", "m0"]
    assert rest["has_more"] is False


async def test_history_between_oldest_and_latest_excludes_them_unless_inclusive(
    web: AsyncWebClient,
) -> None:
    stamps = [
        (await web.chat_postMessage(channel="C0INCIDENTS", text=f"m{n}"))["ts"] for n in range(4)
    ]
    between = await web.conversations_history(
        channel="C0INCIDENTS", oldest=stamps[0], latest=stamps[3]
    )
    assert [m["text"] for m in between["messages"]] == ["m2", "m1"]
    inclusive = await web.conversations_history(
        channel="C0INCIDENTS", oldest=stamps[0], latest=stamps[3], inclusive=True
    )
    assert [m["text"] for m in inclusive["messages"]] == ["m3", "m2", "m1", "m0"]


async def test_history_has_metadata_only_when_asked_for(web: AsyncWebClient) -> None:
    await web.chat_postMessage(
        channel="C0INCIDENTS",
        text="packet",
        metadata={"event_type": "incident_packet", "event_payload": {"incident_id": 7}},
    )
    plain = await web.conversations_history(channel="C0INCIDENTS")
    assert "metadata" not in plain["messages"][0]
    full = await web.conversations_history(channel="C0INCIDENTS", include_all_metadata=True)
    assert full["messages"][0]["metadata"] == {
        "event_type": "incident_packet",
        "event_payload": {"incident_id": 7},
    }


async def test_the_bot_cannot_read_a_channel_it_is_not_in(web: AsyncWebClient) -> None:
    assert await slack_error(web.conversations_history(channel="C0GENERAL")) == "not_in_channel"


async def test_replies_are_the_parent_then_its_replies_oldest_first(web: AsyncWebClient) -> None:
    parent = await web.chat_postMessage(channel="C0INCIDENTS", text="parent")
    for text in ("one", "two"):
        await web.chat_postMessage(channel="C0INCIDENTS", text=text, thread_ts=parent["ts"])
    await web.chat_postMessage(channel="C0INCIDENTS", text="elsewhere")
    replies = await web.conversations_replies(channel="C0INCIDENTS", ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["parent", "one", "two"]
    assert all(m["thread_ts"] == parent["ts"] for m in replies["messages"])


async def test_replies_to_an_unknown_message_are_thread_not_found(web: AsyncWebClient) -> None:
    call = web.conversations_replies(channel="C0INCIDENTS", ts="1.000001")
    assert await slack_error(call) == "thread_not_found"
