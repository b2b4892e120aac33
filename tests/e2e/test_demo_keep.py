"""``incident-bot demo --keep``: the story, then the sandbox stays up with its console for a
person to look around, until SIGINT; the console's URL is printed first."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.harness import eventually

pytestmark = pytest.mark.slow

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KEEPING = re.compile(r"The sandbox keeps running: (http://127\.0\.0\.1:\d+/)")


async def test_demo_keep_leaves_the_console_running_until_interrupted(tmp_path: Path) -> None:
    log = tmp_path / "demo.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "demo",
            "--keep",
            cwd=PROJECT_ROOT,
            stdout=output,
            stderr=output,
        )
    try:

        async def keeping() -> str | None:
            if process.returncode is not None:
                raise AssertionError(f"the demo exited {process.returncode}:\n{log.read_text()}")
            found = KEEPING.search(log.read_text(errors="replace"))
            return found.group(1) if found else None

        url = await eventually(keeping, timeout=120, what="the demo to finish its story")
        said = log.read_text()
        assert f"Console (the workspace in a browser, live): {url}" in said
        assert "Audit chain verified" in said
        async with aiohttp.ClientSession() as http, http.get(url) as page:
            assert page.status == 200
            assert "Sandbox console" in await page.text()
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), timeout=60) == 0, log.read_text()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
