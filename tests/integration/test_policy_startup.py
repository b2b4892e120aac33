"""Start-up loads the policy before anything listens: a bad file stops the bot, in process with a
:class:`ConfigFileError` naming file, line and key, and from the command line with exit status 2
and that message on stderr."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.app import start_runtime
from bot.errors import ConfigFileError
from bot.policy import SHIPPED_POLICY
from bot.settings import Settings, load_settings

GOOD = SHIPPED_POLICY.read_text(encoding="utf-8")
BAD = GOOD.replace("max_per_hour: 5", "max_per_hour: -5", 1)
BAD_LINE = next(i for i, line in enumerate(BAD.splitlines(), 1) if "max_per_hour: -5" in line)
BAD_KEY = "defaults.actions.restart.max_per_hour"


def settings_for(tmp_path: Path, policy: Path | None) -> Settings:
    return load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        host="127.0.0.1",
        port=0,
        slack_emulator_port=0,
        slack_bot_token=None,
        slack_app_token=None,
        policy_path=policy,
    )


def write_bad_policy(tmp_path: Path) -> Path:
    assert BAD != GOOD
    path = tmp_path / "policy.yaml"
    path.write_text(BAD, encoding="utf-8")
    return path


async def test_a_bad_policy_file_stops_start_up_naming_file_line_and_key(tmp_path: Path) -> None:
    path = write_bad_policy(tmp_path)

    with pytest.raises(ConfigFileError) as caught:
        await start_runtime(settings_for(tmp_path, path))

    error = caught.value
    assert (error.path, error.line, error.key) == (path, BAD_LINE, BAD_KEY)
    assert str(error).startswith(f"{path}:{BAD_LINE}: {BAD_KEY}: ")
    assert not (tmp_path / "bot.sqlite3").exists(), "nothing was built before the policy"


async def test_the_bot_runs_with_the_policy_file_it_was_given(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text("dry_run: true\napproval_ttl_minutes: 7\n", encoding="utf-8")

    runtime = await start_runtime(settings_for(tmp_path, path))
    try:
        assert runtime.policy.source == path
        assert runtime.policy.dry_run
    finally:
        await runtime.stop()


async def test_without_a_policy_path_the_bot_runs_with_the_shipped_policy(tmp_path: Path) -> None:
    runtime = await start_runtime(settings_for(tmp_path, None))
    try:
        assert runtime.policy.source == SHIPPED_POLICY
    finally:
        await runtime.stop()


def test_an_empty_policy_path_means_the_shipped_policy() -> None:
    assert load_settings(policy_path="").policy_path is None


async def test_serve_with_a_bad_policy_exits_2_naming_file_line_and_key(tmp_path: Path) -> None:
    path = write_bad_policy(tmp_path)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/serve.sqlite3",
        "HOST": "127.0.0.1",
        "PORT": "0",
        "SLACK_EMULATOR_PORT": "0",
        "POLICY_PATH": str(path),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        env=env,
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=60)

    assert process.returncode == 2
    assert f"incident-bot: {path}:{BAD_LINE}: {BAD_KEY}: " in stderr.decode()
    assert not (tmp_path / "serve.sqlite3").exists()
