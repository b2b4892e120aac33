"""The console's mrkdwn renderer (``console/static/mrkdwn.js``) in Chromium: Slack's formatting
becomes elements, and everything else, however hostile, stays text. Each case renders one
string and compares the HTML the DOM holds afterwards (serialized, so text shows escaped)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from integrations.slack_emulator import EmulatorConfig, SlackEmulator

pytestmark = pytest.mark.browser

RENDER = """
const [text, done] = arguments;
import("/console/static/mrkdwn.js").then((module) => {
  const box = document.createElement("div");
  box.append(module.renderMrkdwn(text, new Map([["U0BOB", "bob"]])));
  done(box.innerHTML);
}, (error) => done("import failed: " + error));
"""


@pytest.fixture
async def page(shared_driver: WebDriver) -> AsyncIterator[WebDriver]:
    async with SlackEmulator(EmulatorConfig(port=0)) as emulator:
        await asyncio.to_thread(shared_driver.get, emulator.console_url)
        yield shared_driver


@pytest.mark.parametrize(
    ("mrkdwn", "html"),
    [
        (
            "*bold* and _italic_ and ~gone~",
            "<strong>bold</strong> and <em>italic</em> and <s>gone</s>",
        ),
        ("snake_case_name stays", "snake_case_name stays"),
        ("`code <b>`", "<code>code &lt;b&gt;</code>"),
        ("```\nline <i>\n```", "<pre>line &lt;i&gt;\n</pre>"),
        ("&gt; quoted\nplain", "<blockquote>quoted</blockquote>plain"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<img src=x onerror=alert(1)>", "img src=x onerror=alert(1)"),
        (
            "<https://example.com/a?b=1&amp;c=2|the runbook>",
            '<a class="link" href="https://example.com/a?b=1&amp;c=2" target="_blank" '
            'rel="noopener noreferrer">the runbook</a>',
        ),
        ("<javascript:alert(1)|click me>", "click me"),
        ("<data:text/html;base64,PHNjcmlwdD4=|a picture>", "a picture"),
        (
            "<@U0BOB> and <@U0NOBODY>",
            '<span class="mention">@bob</span> and <span class="mention">@U0NOBODY</span>',
        ),
        (
            "<!channel> <!subteam^S1|@oncall>",
            '<span class="mention">@channel</span> <span class="mention">@oncall</span>',
        ),
    ],
)
async def test_mrkdwn_renders_formatting_as_elements_and_everything_else_as_text(
    page: WebDriver, mrkdwn: str, html: str
) -> None:
    rendered = await asyncio.to_thread(page.execute_async_script, RENDER, mrkdwn)
    assert rendered == html
