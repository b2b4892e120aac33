"""Start-up loads every runbook first: a bad file stops the bot before anything is built."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import start_runtime
from bot.errors import ConfigFileError
from bot.runbook.loader import SHIPPED_RUNBOOKS
from bot.settings import load_settings


async def test_a_bad_runbook_file_stops_start_up_naming_file_line_and_key(tmp_path: Path) -> None:
    folder = tmp_path / "runbooks"
    folder.mkdir()
    good = (SHIPPED_RUNBOOKS / "oom-kill.md").read_text(encoding="utf-8")
    bad = good.replace("  - kind: scale\n", "  - kind: reboot\n", 1)
    assert bad != good
    (folder / "oom-kill.md").write_text(bad, encoding="utf-8")
    database = tmp_path / "bot.sqlite3"
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{database}",
        host="127.0.0.1",
        port=0,
        slack_emulator_port=0,
        slack_bot_token=None,
        slack_app_token=None,
    )

    with pytest.raises(ConfigFileError) as caught:
        await start_runtime(settings, runbook_folders=[folder])

    error = caught.value
    expected_line = bad.splitlines().index("  - kind: reboot") + 1
    assert (error.path, error.line, error.key) == (
        folder / "oom-kill.md",
        expected_line,
        "actions.0.kind",
    )
    assert str(error).startswith(f"{folder / 'oom-kill.md'}:{expected_line}: actions.0.kind: ")
    assert not database.exists(), "nothing was built before the runbooks were checked"
