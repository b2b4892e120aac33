"""Flag changes and the change calendar from the operator's YAML files: parsing, a bad file
stopping start-up with file, line and key, and edits picked up while the bot runs."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app import start_runtime
from bot.errors import ConfigError, ConfigFileError, SourceUnavailableError
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import ChangeWindowKind, FlagChange
from bot.settings import load_settings
from integrations.change_files import CalendarFileSource, FlagFileSource

QUERY = EvidenceQuery(
    "checkout",
    since=datetime(2026, 3, 4, 11, 0, tzinfo=UTC),
    until=datetime(2026, 3, 4, 14, 10, tzinfo=UTC),
)

FLAGS = """\
flags:
  - at: 2026-03-04T13:40:00Z
    key: new-pricing
    service: checkout
    change: "off -> on"
  - {at: "2026-03-04T13:45:00Z", key: kill-switch, change: "on -> off"}
  - {at: "2026-03-04T13:46:00Z", key: search-v2, service: search, change: "on"}
"""

CALENDAR = """\
calendar:
  - start: 2026-03-01T00:00:00Z
    end: 2026-03-08T00:00:00Z
    kind: freeze
    services: [checkout, payments]
    note: quarter close
  - {start: "2026-03-04T02:00:00Z", end: "2026-03-04T04:00:00Z", kind: maintenance}
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


async def test_a_flag_file_answers_the_changes_that_concern_the_service(tmp_path: Path) -> None:
    source = FlagFileSource(write(tmp_path / "flags.yaml", FLAGS))
    assert await source.flag_changes(QUERY) == (
        FlagChange(
            datetime(2026, 3, 4, 13, 40, tzinfo=UTC), "new-pricing", "off -> on", "checkout"
        ),
        FlagChange(datetime(2026, 3, 4, 13, 45, tzinfo=UTC), "kill-switch", "on -> off"),
    )


async def test_a_calendar_file_answers_the_windows_that_apply_and_overlap(tmp_path: Path) -> None:
    source = CalendarFileSource(write(tmp_path / "calendar.yaml", CALENDAR))
    [freeze] = await source.change_windows(QUERY)
    assert (freeze.kind, freeze.services, freeze.note) == (
        ChangeWindowKind.FREEZE,
        ("checkout", "payments"),
        "quarter close",
    )


def test_a_calendar_entry_that_ends_before_it_starts_names_file_line_and_key(
    tmp_path: Path,
) -> None:
    path = write(
        tmp_path / "calendar.yaml",
        "calendar:\n"
        "  - {start: '2026-03-04T02:00:00Z', end: '2026-03-04T04:00:00Z', kind: freeze}\n"
        "  - start: 2026-03-05T02:00:00Z\n"
        "    end: 2026-03-05T01:00:00Z\n"
        "    kind: maintenance\n",
    )
    with pytest.raises(ConfigFileError) as caught:
        CalendarFileSource(path)
    assert (caught.value.path, caught.value.line, caught.value.key) == (path, 4, "calendar.1.end")
    assert "end must be after start" in str(caught.value)


def test_an_unknown_window_kind_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "calendar.yaml", CALENDAR.replace("kind: freeze", "kind: holiday"))
    with pytest.raises(ConfigFileError) as caught:
        CalendarFileSource(path)
    assert (caught.value.line, caught.value.key) == (4, "calendar.0.kind")


def test_a_flag_change_without_a_key_names_the_missing_key(tmp_path: Path) -> None:
    path = write(tmp_path / "flags.yaml", FLAGS.replace("    key: new-pricing\n", ""))
    with pytest.raises(ConfigFileError) as caught:
        FlagFileSource(path)
    assert (caught.value.line, caught.value.key) == (2, "flags.0.key")
    assert "required key key is missing" in str(caught.value)


def test_a_misspelt_key_is_refused_at_its_entry(tmp_path: Path) -> None:
    path = write(tmp_path / "flags.yaml", FLAGS.replace("    change:", "    chnage:", 1))
    with pytest.raises(
        ConfigFileError, match=r"change is missing \(and 1 more problem\)"
    ) as caught:
        FlagFileSource(path)
    assert (caught.value.line, caught.value.key) == (2, "flags.0.change")


def test_a_bad_timestamp_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "flags.yaml", FLAGS.replace("2026-03-04T13:40:00Z", "yesterday"))
    with pytest.raises(ConfigFileError) as caught:
        FlagFileSource(path)
    assert (caught.value.line, caught.value.key) == (2, "flags.0.at")


def test_a_flag_file_without_its_section_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "flags.yaml", CALENDAR)
    with pytest.raises(ConfigFileError, match="required key flags is missing") as caught:
        FlagFileSource(path)
    assert (caught.value.line, caught.value.key) == (1, "flags")


def _touch_later(path: Path, text: str) -> None:
    """Rewrite ``path`` and move its modification time on, as a later edit would."""
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 10**9, before + 10**9))


async def test_an_edited_file_is_read_again_without_a_restart(tmp_path: Path) -> None:
    path = write(tmp_path / "flags.yaml", FLAGS)
    source = FlagFileSource(path)
    assert len(await source.flag_changes(QUERY)) == 2
    _touch_later(path, FLAGS.replace("service: checkout", "service: search"))
    assert [change.key for change in await source.flag_changes(QUERY)] == ["kill-switch"]


async def test_a_file_that_turns_bad_makes_the_source_unavailable_naming_the_line(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "calendar.yaml", CALENDAR)
    source = CalendarFileSource(path)
    _touch_later(path, CALENDAR.replace("kind: maintenance", "kind: party"))
    with pytest.raises(SourceUnavailableError) as caught:
        await source.change_windows(QUERY)
    assert caught.value.source == "change calendar"
    assert f"{path}:7: calendar.1.kind" in caught.value.reason
    _touch_later(path, CALENDAR)
    assert len(await source.change_windows(QUERY)) == 1


def test_a_flags_path_that_is_not_a_file_stops_the_settings(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="FLAGS_PATH"):
        load_settings(flags_path=tmp_path / "missing.yaml")


def test_an_empty_calendar_path_means_no_calendar_file(tmp_path: Path) -> None:
    assert load_settings(change_calendar_path="").change_calendar_path is None


async def test_a_bad_calendar_file_stops_start_up_before_anything_is_built(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "calendar.yaml", CALENDAR.replace("kind: freeze", "kind: holiday"))
    database = tmp_path / "bot.sqlite3"
    settings = load_settings(
        database_url=f"sqlite+aiosqlite:///{database}",
        host="127.0.0.1",
        port=0,
        slack_emulator_port=0,
        slack_bot_token=None,
        slack_app_token=None,
        change_calendar_path=path,
    )
    with pytest.raises(ConfigFileError) as caught:
        await start_runtime(settings)
    assert (caught.value.path, caught.value.line, caught.value.key) == (path, 4, "calendar.0.kind")
    assert not database.exists()
