"""files.getUploadURLExternal, the upload URL and files.completeUploadExternal through
slack_sdk's own ``files_upload_v2``, and each step's refusals as Slack answers them."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import (
    EmulatorClient,
    EmulatorConfig,
    EmulatorError,
    RateLimits,
    SlackEmulator,
)
from integrations.slack_emulator.ratelimit import METHOD_TIERS
from tests.emulator.support import slack_error

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


async def _upload(url: str, content: bytes) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.post(url, data=content) as response:
        return response.status, await response.text()


async def test_files_upload_v2_shares_the_file_in_a_thread_as_one_message(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    parent = await web.chat_postMessage(channel="C0INCIDENTS", text="packet")

    answer = await web.files_upload_v2(
        channel="C0INCIDENTS",
        thread_ts=parent["ts"],
        file=PNG,
        filename="error-rate.png",
        title="Error rate",
        initial_comment="The main signal",
    )

    assert answer["file"]["title"] == "Error rate"
    assert answer["file"]["mimetype"] == "image/png"
    assert answer["file"]["size"] == len(PNG)
    messages = await people.messages("C0INCIDENTS")
    replies = [m for m in messages if m["thread_ts"] == parent["ts"]]
    assert len(replies) == 1
    assert replies[0]["text"] == "The main signal"
    assert [f["id"] for f in replies[0]["files"]] == [answer["file"]["id"]]
    assert await people.file_content(answer["file"]["id"]) == PNG


async def test_the_thread_shows_the_file_to_conversations_replies(web: AsyncWebClient) -> None:
    parent = await web.chat_postMessage(channel="C0INCIDENTS", text="packet")
    uploaded = await web.files_upload_v2(
        channel="C0INCIDENTS", thread_ts=parent["ts"], content=PNG, filename="chart.png"
    )

    thread = await web.conversations_replies(channel="C0INCIDENTS", ts=parent["ts"])

    reply = thread["messages"][1]
    assert reply["upload"] is True
    assert reply["files"][0]["id"] == uploaded["file"]["id"]
    assert reply["files"][0]["shares"]["public"]["C0INCIDENTS"][0]["thread_ts"] == parent["ts"]


async def test_the_upload_url_points_at_the_emulator_and_answers_as_slack(
    web: AsyncWebClient, emulator: SlackEmulator
) -> None:
    answer = await web.files_getUploadURLExternal(filename="chart.png", length=len(PNG))

    assert answer["file_id"].startswith("F")
    assert answer["upload_url"].startswith(f"{emulator.base_url}/upload/v1/")
    assert await _upload(answer["upload_url"], PNG) == (200, f"OK - {len(PNG)}")


async def test_a_multipart_upload_is_taken_too(web: AsyncWebClient, people: EmulatorClient) -> None:
    answer = await web.files_getUploadURLExternal(filename="chart.png", length=len(PNG))
    form = aiohttp.FormData()
    form.add_field("filename", PNG, filename="chart.png", content_type="image/png")
    async with aiohttp.ClientSession() as http, http.post(answer["upload_url"], data=form) as r:
        assert r.status == 200
    await web.files_completeUploadExternal(files=[{"id": answer["file_id"], "title": "c"}])
    assert await people.file_content(answer["file_id"]) == PNG


async def test_bytes_of_another_length_than_promised_are_refused(web: AsyncWebClient) -> None:
    answer = await web.files_getUploadURLExternal(filename="chart.png", length=len(PNG) + 1)

    status, _ = await _upload(answer["upload_url"], PNG)

    assert status == 400
    error = await slack_error(
        web.files_completeUploadExternal(files=[{"id": answer["file_id"], "title": "t"}])
    )
    assert error == "file_not_found"


async def test_a_length_of_zero_or_none_is_invalid_arguments(web: AsyncWebClient) -> None:
    assert (
        await slack_error(
            web.api_call("files.getUploadURLExternal", params={"filename": "a.png", "length": 0})
        )
        == "invalid_arguments"
    )
    assert (
        await slack_error(web.api_call("files.getUploadURLExternal", params={"filename": "a.png"}))
        == "invalid_arguments"
    )
    assert (
        await slack_error(web.api_call("files.getUploadURLExternal", params={"length": 10}))
        == "invalid_arguments"
    )


async def test_an_unknown_file_id_is_file_not_found(web: AsyncWebClient) -> None:
    error = await slack_error(
        web.files_completeUploadExternal(files=[{"id": "F0NOSUCHFILE", "title": "t"}])
    )
    assert error == "file_not_found"


async def test_a_file_whose_bytes_never_arrived_cannot_be_completed(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    answer = await web.files_getUploadURLExternal(filename="chart.png", length=10)

    error = await slack_error(
        web.files_completeUploadExternal(
            files=[{"id": answer["file_id"], "title": "t"}], channel_id="C0INCIDENTS"
        )
    )

    assert error == "file_not_found"
    with pytest.raises(EmulatorError) as caught:
        await people.file_content(answer["file_id"])
    assert caught.value.code == "file_not_uploaded"


async def test_a_file_is_completed_once(web: AsyncWebClient) -> None:
    answer = await web.files_upload_v2(channel="C0INCIDENTS", content=PNG, filename="c.png")
    again = web.files_completeUploadExternal(
        files=[{"id": answer["file"]["id"]}], channel_id="C0INCIDENTS"
    )
    assert await slack_error(again) == "file_not_found"


async def test_sharing_into_an_unknown_channel_is_channel_not_found(
    web: AsyncWebClient,
) -> None:
    upload = web.files_upload_v2(channel="C0NOWHERE", content=PNG, filename="c.png")
    assert await slack_error(upload) == "channel_not_found"


async def test_sharing_where_the_bot_is_not_a_member_is_not_in_channel(
    web: AsyncWebClient,
) -> None:
    upload = web.files_upload_v2(channel="C0GENERAL", content=PNG, filename="c.png")
    assert await slack_error(upload) == "not_in_channel"


async def test_a_thread_that_does_not_exist_is_thread_not_found(web: AsyncWebClient) -> None:
    upload = web.files_upload_v2(
        channel="C0INCIDENTS", thread_ts="1.000001", content=PNG, filename="c.png"
    )
    assert await slack_error(upload) == "thread_not_found"


async def test_the_control_api_lists_uploads_and_refuses_unknown_ids(
    web: AsyncWebClient, people: EmulatorClient
) -> None:
    answer = await web.files_upload_v2(channel="C0INCIDENTS", content=PNG, filename="c.png")

    listed = await people.files()

    assert [(f["id"], f["uploaded"], f["completed"]) for f in listed] == [
        (answer["file"]["id"], True, True)
    ]
    assert list(listed[0]["shares"]) == ["C0INCIDENTS"]
    with pytest.raises(EmulatorError) as caught:
        await people.file_content("F0NOSUCHFILE")
    assert caught.value.code == "file_not_found"


def test_both_methods_are_tier_4() -> None:
    assert METHOD_TIERS["files.getUploadURLExternal"] == 4
    assert METHOD_TIERS["files.completeUploadExternal"] == 4


@pytest.mark.parametrize(
    "emulator_config", [EmulatorConfig(port=0, rate_limits=RateLimits(tier3=1, tier4=3))]
)
async def test_uploads_are_limited_at_tier_4_not_tier_3(web: AsyncWebClient) -> None:
    # A bucket holds a minute's worth: one call at Tier 3, three at Tier 4.
    for name in ("a.png", "b.png", "c.png"):
        await web.files_getUploadURLExternal(filename=name, length=1)
    error = await slack_error(web.files_getUploadURLExternal(filename="d.png", length=1))
    assert error == "ratelimited"
