"""What a person evaluating the bot sees in the sandbox console, in headless Chromium: the alert
becoming a channel and a packet live, a rollback proposed by one person and approved by another
through the confirm dialog, ephemeral replies only for their person, and hostile text from an
alert or a person shown as text in every view."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from slack_sdk.web.async_client import AsyncWebClient

from bot.app import Runtime
from bot.scenario.schemas import Scenario
from integrations.slack_emulator import EmulatorClient
from tests.browser.conftest import ConsolePage, incident_channel

pytestmark = [pytest.mark.slow, pytest.mark.browser]

REQUESTER, APPROVER, WATCHER = "U0BOB", "U0DANA", "U0ALICE"
SCRIPT = "<script>alert(1)</script>"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_an_alert_becomes_a_channel_and_a_packet_without_a_reload(
    console: ConsolePage,
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    tmp_path: Path,
) -> None:
    await console.open()
    # A reload would lose this: the page must change under it.
    await console.run(console.driver.execute_script, "window.sameDocument = 'yes';")

    channel = await incident_channel(runtime, people, scenario.deliveries[0].payload)

    unread = await console.until(
        lambda d: d.find_element(By.CSS_SELECTOR, f'[data-channel="{channel}"] + .unread').text,
        "the new channel, with its unread count, in the sidebar",
    )
    assert int(unread) >= 1
    await console.open_channel(channel)
    packet = await console.message_text("Incident packet")
    assert "billing-webhooks" in packet
    assert await console.run(console.driver.execute_script, "return window.sameDocument;") == "yes"
    await console.until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, f'[data-channel="{channel}"] + .unread'),
        "the unread count to clear once the channel is read",
    )

    # The chart is in the packet's thread, an image served from the emulator.
    await console.click(console.in_message("Incident packet", ".replies"), "the packet's thread")
    alt = await console.until(
        lambda d: next(
            (
                img.get_attribute("alt")
                for img in d.find_elements(By.CSS_SELECTOR, "#thread .file-image")
                if d.execute_script("return arguments[0].naturalWidth;", img) > 0
            ),
            None,
        ),
        "the chart image in the thread",
    )
    assert "error_rate" in alt

    shot = tmp_path / "packet.png"

    def screenshot(driver: WebDriver) -> bool:
        found = console.in_message("Incident packet", ".blocks")(driver)
        return found is not None and found.screenshot(str(shot))

    assert await console.until(screenshot, "a screenshot of the packet")
    assert shot.read_bytes().startswith(PNG_SIGNATURE)
    assert shot.stat().st_size > 1000


async def test_one_person_runs_rollback_and_another_approves_in_the_confirm_dialog(
    console: ConsolePage,
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
) -> None:
    channel = await incident_channel(runtime, people, scenario.deliveries[0].payload)
    await console.open()
    await console.act_as(REQUESTER)
    await console.open_channel(channel)

    await console.type("/rollback")
    mine = await console.message_text("Only visible to you")
    assert "Action #1 proposed" in mine
    await console.message_text("Action #1")

    await console.act_as(APPROVER)
    await console.open_channel(channel)
    await console.message_text("Action #1")
    # bob's ephemeral reply is his alone.
    assert "Only visible to you" not in await console.messages_text()

    await console.click(
        console.in_message("Action #1", '[data-action-id="action_approve"]'), "Approve"
    )
    title = await console.until(
        lambda d: (
            d.find_element(By.ID, "confirm").is_displayed()
            and d.find_element(By.ID, "confirm-title").text
        ),
        "the confirm dialog",
    )
    assert title
    await console.click(lambda d: d.find_element(By.ID, "confirm-ok"), "the dialog's confirm")

    approved = await console.message_text("results follow in its thread")
    assert "Only visible to you" in approved
    await console.click(console.in_message("Action #1", ".replies"), "the action's thread")
    await console.message_text("the cluster accepted the change", within="#thread")

    # Back as bob: dana's ephemeral reply is not his to see.
    await console.act_as(REQUESTER)
    await console.open_channel(channel)
    await console.message_text("Action #1 proposed")
    assert "results follow in its thread" not in await console.messages_text()


def _hostile(payload: Any) -> Any:
    changed = copy.deepcopy(payload)
    for alert in changed["alerts"]:
        alert["annotations"]["summary"] = SCRIPT
        alert["annotations"]["description"] += ' <img src=x onerror="alert(2)">'
    changed["commonAnnotations"]["summary"] = SCRIPT
    return changed


async def test_an_alert_titled_with_a_script_shows_as_text_in_every_view(
    console: ConsolePage,
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
) -> None:
    channel = await incident_channel(
        runtime, people, _hostile(scenario.deliveries[0].payload), with_chart=False
    )
    await console.open()
    await console.act_as(WATCHER)
    await console.open_channel(channel)
    await console.message_text("Incident packet")
    await console.type(f"look: {SCRIPT}")
    await console.until(
        lambda d: any(
            SCRIPT in m.text
            for m in d.find_elements(By.CSS_SELECTOR, f'#messages .message[data-user="{WATCHER}"]')
        ),
        "alice's message, as she typed it",
    )

    # mrkdwn links keep only http(s) and mailto targets, whoever wrote them.
    assert runtime.emulator is not None
    bot = AsyncWebClient(token=runtime.emulator.config.bot_token, base_url=runtime.emulator.api_url)
    await bot.chat_postMessage(
        channel=channel,
        text="<javascript:alert(4)|click me> or <https://example.com/rb|the runbook>",
    )
    await console.message_text("click me")
    links = await console.until(
        lambda d: [
            (a.text, a.get_attribute("href"))
            for a in d.find_elements(By.CSS_SELECTOR, "#messages a")
            if a.text in ("click me", "the runbook")
        ],
        "the links",
    )
    assert links == [("the runbook", "https://example.com/rb")]

    channel_view = await console.messages_text()
    assert SCRIPT in channel_view
    topic = await console.until(lambda d: d.find_element(By.ID, "channel-topic").text, "topic")
    assert SCRIPT in topic
    assert not await console.run(console.alert_open)

    await console.show("home")
    await console.until(
        lambda d: SCRIPT in d.find_element(By.ID, "home").text, "the title on App Home"
    )
    assert not await console.run(console.alert_open)

    await console.show("incidents")
    listed = await console.until(
        lambda d: (
            d.find_elements(By.CSS_SELECTOR, ".incident-link")
            and d.find_element(By.ID, "incidents").text
        ),
        "the incident in the list",
    )
    assert SCRIPT in listed
    await console.click(lambda d: d.find_element(By.CSS_SELECTOR, ".incident-link"), "INC-1")
    await console.until(lambda d: d.find_elements(By.ID, "chain-status"), "the incident's timeline")
    detail = await console.until(lambda d: d.find_element(By.ID, "incident").text, "detail")
    assert SCRIPT in detail
    assert "Audit chain verified" in detail
    assert not await console.run(console.alert_open)
    # Nothing from the alert became an element: no script or image came from it.
    scripts = await console.run(console.driver.find_elements, By.CSS_SELECTOR, "main script")
    images = await console.run(console.driver.find_elements, By.CSS_SELECTOR, 'img[src="x"]')
    assert scripts == []
    assert images == []


async def test_a_person_works_the_incident_from_the_composer_and_reads_its_postmortem(
    console: ConsolePage,
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
) -> None:
    channel = await incident_channel(runtime, people, scenario.deliveries[0].payload)
    await console.open()
    await console.act_as(REQUESTER)
    await console.open_channel(channel)

    await console.type("/status")
    await console.message_text("Open actions:")
    await console.type("/explain")
    explained = await console.message_text("Top hypothesis:")
    assert "deploy 9f1c2ab" in explained
    await console.type("/triage")
    await console.message_text("Triage of INC-1 re-run")
    await console.type("/postmortem")
    await console.message_text("Postmortem")

    await console.show("incidents")
    await console.click(lambda d: d.find_element(By.CSS_SELECTOR, ".incident-link"), "INC-1")
    draft = await console.until(
        lambda d: (
            next(iter(d.find_elements(By.CSS_SELECTOR, "#incident .postmortem")), None)
            and d.find_element(By.CSS_SELECTOR, "#incident .postmortem").text
        ),
        "the postmortem draft on the incident's page",
    )
    assert "INC-1" in draft
    timeline = await console.until(lambda d: d.find_element(By.ID, "incident").text, "timeline")
    assert "postmortem.drafted" in timeline
    assert "Audit chain verified" in timeline

    await console.click(lambda d: d.find_element(By.CSS_SELECTOR, ".channel-link"), "#inc-…")
    await console.until(
        lambda d: d.find_element(By.ID, "view-channels").is_displayed(), "the channel view"
    )
    await console.message_text("Incident packet")
