"""End to end: an alert with a spiking metric gives the packet, then exactly one PNG chart of
the main signal in the packet's thread, uploaded by slack_sdk's files_upload_v2 through the
emulator's files.getUploadURLExternal / files.completeUploadExternal flow."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import Runtime
from bot.scenario.schemas import Scenario
from integrations.slack_emulator import EmulatorClient
from tests.e2e.conftest import eventually, post_alert
from tests.e2e.test_offline_slice import packets_in, settled

pytestmark = pytest.mark.slow

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def _thread_files(people: EmulatorClient, channel: str, ts: str) -> list[dict[str, Any]]:
    return [
        file
        for message in await people.messages(channel)
        if message["thread_ts"] == ts
        for file in message.get("files", [])
    ]


async def test_the_packets_thread_gets_exactly_one_chart_of_the_main_signal(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    await post_alert(runtime, alert.source.value, alert.payload)
    channel, packet = (await eventually(lambda: packets_in(people), what="the packet"))[0]

    files = await eventually(
        lambda: _thread_files(people, channel["id"], packet["ts"]), what="the chart"
    )
    await eventually(lambda: settled(runtime), what="the pipeline to settle")
    await post_alert(runtime, alert.source.value, alert.payload)  # the same alert again
    await runtime.worker.run_once()
    await runtime.worker.run_once()

    files = await _thread_files(people, channel["id"], packet["ts"])
    assert len(files) == 1
    chart = files[0]
    assert chart["mimetype"] == "image/png"
    assert chart["title"] == "billing-webhooks · error_rate (percent)"
    png = await people.file_content(chart["id"])
    assert png.startswith(PNG_SIGNATURE)
    assert len(png) < 200_000
    uploads = await people.files()
    assert [(u["id"], u["completed"]) for u in uploads] == [(chart["id"], True)]
    # The chart came after the packet, as a reply: the packet itself is unchanged by it.
    assert float(chart["shares"]["public"][channel["id"]][0]["ts"]) > float(packet["ts"])
