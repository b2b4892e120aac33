"""The sandbox console in a real browser: Debian's headless Chromium driven by Selenium, against
the bot in sandbox mode (the real Bolt app over Socket Mode, the webhook server, the pipeline,
the Slack and Kubernetes emulators, all in this process, as in ``tests/e2e``).

Selenium's calls block, so each runs in a worker thread (:meth:`ConsolePage.run`) while the bot
keeps running on the event loop. Every wait polls for a DOM condition (``WebDriverWait``).
``make test`` installs Chromium when the machine lacks it; without it these tests skip, saying
why.
"""

from __future__ import annotations

import asyncio
import functools
import shutil
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from bot.app import Runtime, start_runtime
from bot.clock import ReplayClock
from bot.policy import SHIPPED_POLICY, load_policy
from bot.scenario.loader import load_scenario
from bot.scenario.models import Scenario
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence
from integrations.slack_emulator import EmulatorClient, EmulatorConfig
from tests.e2e.conftest import eventually, post_alert, sandbox_settings

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the dev extras")

from selenium.common.exceptions import (  # noqa: E402
    NoAlertPresentException,
    NoSuchElementException,
    StaleElementReferenceException,
)
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

__all__ = ["ConsolePage", "incident_channel"]

T = TypeVar("T")
WAIT_SECONDS = 30.0
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def _chromium() -> tuple[str, str]:
    browser = next((path for name in BROWSERS if (path := shutil.which(name))), None)
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        pytest.skip(
            "headless Chromium is not installed (chromium and chromedriver): `make test` "
            "installs Debian's chromium and chromium-driver packages, which needs root or sudo"
        )
    return browser, driver


@pytest.fixture
def scenario() -> Scenario:
    return load_scenario(SHIPPED_SCENARIOS / "billing-parser-deploy.yaml")


@pytest.fixture
async def runtime(tmp_path: Path, scenario: Scenario) -> AsyncIterator[Runtime]:
    """The bot in sandbox mode with the shipped policy and the scenario's cluster, so a
    rollback can be proposed, approved and run."""
    settings = sandbox_settings(
        tmp_path,
        packet_update_interval_seconds=0.2,
        recovery_window_seconds=10.0,
        action_verify_seconds=10.0,
    )
    runtime = await start_runtime(
        settings,
        clock=ReplayClock(scenario.now),
        evidence=replay_evidence([scenario]),
        emulator_config=EmulatorConfig(port=0),
        poll_interval=0.1,
        policy=load_policy(SHIPPED_POLICY),
        cluster_seed=scenario.cluster,
    )
    yield runtime
    await runtime.stop()


@pytest.fixture
async def people(runtime: Runtime) -> AsyncIterator[EmulatorClient]:
    assert runtime.emulator is not None
    async with EmulatorClient(runtime.emulator.base_url) as client:
        yield client


def _chrome(folder: Path) -> WebDriver:
    browser, chromedriver = _chromium()
    options = Options()
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",  # the tests may run as root (CI containers)
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1400,1000",
        f"--user-data-dir={folder / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    service = Service(executable_path=chromedriver, log_output=str(folder / "chromedriver.log"))
    return webdriver.Chrome(service=service, options=options)


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[WebDriver]:
    chrome = _chrome(tmp_path)
    try:
        yield chrome
    finally:
        chrome.quit()


@pytest.fixture(scope="module")
def shared_driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    """One browser for a module's tests that share no state in it (the renderer's)."""
    chrome = _chrome(tmp_path_factory.mktemp("chromium"))
    try:
        yield chrome
    finally:
        chrome.quit()


class ConsolePage:
    """The console as a person's browser shows it; every method waits in a worker thread."""

    def __init__(self, driver: WebDriver, url: str) -> None:
        self.driver = driver
        self.url = url

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(functools.partial(call, *args))

    async def until(self, condition: Callable[[WebDriver], T], what: str) -> T:
        """Poll ``condition`` until it is truthy. The page re-renders what changed live, so an
        element found a moment ago may be gone: the condition is tried again then."""
        wait = WebDriverWait(
            self.driver,
            WAIT_SECONDS,
            poll_frequency=0.1,
            ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
        )
        return await self.run(wait.until, condition, f"timed out waiting for {what}")

    async def click(self, find: Callable[[WebDriver], WebElement | None], what: str) -> None:
        """Find and click in one step (what was found may be re-rendered before a click)."""

        def clicked(driver: WebDriver) -> bool:
            element = find(driver)
            if element is None:
                return False
            element.click()
            return True

        await self.until(clicked, what)

    async def open(self) -> None:
        await self.run(self.driver.get, self.url)
        await self.until(
            lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready") == "true",
            "the console to start",
        )
        await self.until(
            lambda d: "live" in d.find_element(By.ID, "live").text, "the live feed to connect"
        )

    async def act_as(self, user_id: str) -> None:
        def choose() -> None:
            Select(self.driver.find_element(By.ID, "person")).select_by_value(user_id)

        await self.run(choose)

    async def open_channel(self, channel_id: str) -> None:
        selector = f'[data-channel="{channel_id}"]'
        await self.click(lambda d: d.find_element(By.CSS_SELECTOR, selector), "the channel")
        await self.until(
            lambda d: (
                "current"
                in (d.find_element(By.CSS_SELECTOR, selector).get_attribute("class") or "")
            ),
            "the channel to open",
        )

    async def messages_text(self, within: str = "#messages") -> str:
        return await self.until(lambda d: d.find_element(By.CSS_SELECTOR, within).text, within)

    async def message_text(self, text: str, *, within: str = "#messages") -> str:
        """The whole text of the first message holding ``text``, once one shows."""
        return await self.until(
            lambda d: next(
                (
                    m.text
                    for m in d.find_elements(By.CSS_SELECTOR, f"{within} .message")
                    if text in m.text
                ),
                None,
            ),
            f"a message with {text!r} in {within}",
        )

    def in_message(self, text: str, selector: str) -> Callable[[WebDriver], WebElement | None]:
        """A finder: the element at ``selector`` inside the first message holding ``text``."""

        def find(driver: WebDriver) -> WebElement | None:
            for message in driver.find_elements(By.CSS_SELECTOR, "#messages .message"):
                if text in message.text:
                    found = message.find_elements(By.CSS_SELECTOR, selector)
                    if found:
                        return found[0]
            return None

        return find

    async def type(self, text: str) -> None:
        def send() -> None:
            box = self.driver.find_element(By.ID, "composer-text")
            box.clear()
            box.send_keys(text)
            self.driver.find_element(By.ID, "composer-send").click()

        await self.run(send)

    async def show(self, view: str) -> None:
        await self.run(self.driver.find_element(By.ID, f"tab-{view}").click)
        await self.until(
            lambda d: d.find_element(By.ID, f"view-{view}").is_displayed(), f"the {view} view"
        )

    def alert_open(self) -> bool:
        try:
            _ = self.driver.switch_to.alert.text
        except NoAlertPresentException:
            return False
        return True


@pytest.fixture
def console(driver: WebDriver, runtime: Runtime) -> ConsolePage:
    assert runtime.emulator is not None
    return ConsolePage(driver, runtime.emulator.console_url)


async def incident_channel(
    runtime: Runtime, people: EmulatorClient, payload: Any, *, with_chart: bool = True
) -> str:
    """Post the alert; the incident channel's id once its packet (and chart) are posted."""
    status, answer = await post_alert(runtime, "alertmanager", payload)
    assert status == 202, answer

    async def posted() -> str | None:
        for channel in await people.channels():
            if str(channel["name"]).startswith("inc-"):
                messages = await people.messages(channel["id"])
                packet = any("Incident packet" in str(m.get("text", "")) for m in messages)
                if packet and (not with_chart or any(m.get("files") for m in messages)):
                    return str(channel["id"])
        return None

    return await eventually(posted, what="the packet (and its chart)")
