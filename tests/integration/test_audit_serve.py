"""``serve`` with an audit key: a digest at start, one every ``AUDIT_DIGEST_SECONDS``, one at
stop; a bad key stops start-up before anything is built."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import start_runtime
from bot.audit import writer as writers
from bot.audit.keys import new_key_pair
from bot.errors import ConfigError
from bot.settings import Settings, load_settings
from tests.e2e.conftest import eventually


def settings_for(tmp_path: Path, **audit: object) -> Settings:
    return load_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        host="127.0.0.1",
        port=0,
        slack_emulator_port=0,
        slack_bot_token=None,
        slack_app_token=None,
        audit_digest_dir=tmp_path / "digests",
        **audit,
    )


def digest_numbers(folder: Path) -> list[int]:
    return sorted(int(path.stem.removeprefix("digest-")) for path in folder.glob("digest-*.json"))


async def test_serve_writes_a_digest_at_start_and_one_at_stop(tmp_path: Path) -> None:
    private, _ = new_key_pair()
    settings = settings_for(tmp_path, audit_signing_key=private, audit_digest_seconds=3600)
    folder = tmp_path / "digests"
    runtime = await start_runtime(settings)
    try:
        assert digest_numbers(folder) == [1]  # taken before start-up returned
    finally:
        await runtime.stop()
        writers.use_signing_key(None)
    assert digest_numbers(folder) == [1, 2]


async def test_serve_writes_a_digest_every_interval(tmp_path: Path) -> None:
    private, _ = new_key_pair()
    settings = settings_for(tmp_path, audit_signing_key=private, audit_digest_seconds=0.05)
    folder = tmp_path / "digests"
    runtime = await start_runtime(settings)
    try:

        async def scheduled() -> bool:  # wait for them, not for a time
            return len(digest_numbers(folder)) >= 3

        await eventually(scheduled, what="two scheduled digests after the first")
    finally:
        await runtime.stop()
        writers.use_signing_key(None)
    numbers = digest_numbers(folder)
    assert numbers == list(range(1, len(numbers) + 1))  # one chain of digests, no gap


async def test_a_bad_audit_key_stops_start_up_before_anything_is_built(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="AUDIT_SIGNING_KEY"):
        await start_runtime(settings_for(tmp_path, audit_signing_key="not-a-key"))
    assert not (tmp_path / "bot.sqlite3").exists()


async def test_a_digest_folder_another_key_signed_stops_start_up(tmp_path: Path) -> None:
    first, _ = new_key_pair()
    runtime = await start_runtime(settings_for(tmp_path, audit_signing_key=first))
    await runtime.stop()
    rotated, _ = new_key_pair()

    try:
        with pytest.raises(ConfigError, match="not signed by this key"):
            await start_runtime(settings_for(tmp_path, audit_signing_key=rotated))
    finally:
        writers.use_signing_key(None)
    assert digest_numbers(tmp_path / "digests") == [1, 2]  # nothing added under the new key
