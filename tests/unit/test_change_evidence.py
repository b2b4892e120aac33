"""Flag changes and change-calendar windows as evidence: which ones answer an incident's query,
from replay scenarios and through ``gather_evidence``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.evidence.changes import select_flag_changes, select_windows
from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import ChangeWindow, ChangeWindowKind, FlagChange
from bot.scenario.loader import load_scenario
from integrations.replay import ReplayEvidence

FIRST_SEEN = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
LOOKBACK = timedelta(hours=3)
NOW = FIRST_SEEN + timedelta(minutes=10)
QUERY = EvidenceQuery("checkout", since=FIRST_SEEN - LOOKBACK, until=NOW)


def at(minutes: float) -> datetime:
    """An instant ``minutes`` after the incident was first seen (negative: before)."""
    return FIRST_SEEN + timedelta(minutes=minutes)


def window(start: float, end: float, *services: str, kind: str = "freeze") -> ChangeWindow:
    return ChangeWindow(at(start), at(end), ChangeWindowKind(kind), services)


def test_a_flag_flipped_before_the_first_signal_and_inside_the_lookback_is_evidence() -> None:
    change = FlagChange(at(-20), "new-pricing", "enabled for 100%", "checkout")
    assert select_flag_changes([change], QUERY) == (change,)


def test_flag_changes_outside_the_window_are_not_evidence() -> None:
    too_old = FlagChange(at(-181), "old", "on", "checkout")
    after_now = FlagChange(at(11), "later", "on", "checkout")
    assert select_flag_changes([too_old, after_now], QUERY) == ()


def test_a_flag_of_another_service_is_not_evidence_but_a_global_flag_is() -> None:
    other = FlagChange(at(-5), "search-v2", "on", "search")
    global_flag = FlagChange(at(-5), "kill-switch", "off")
    assert select_flag_changes([other, global_flag], QUERY) == (global_flag,)


def test_flag_changes_come_oldest_first_whatever_the_file_order() -> None:
    late, early = FlagChange(at(-1), "b", "on"), FlagChange(at(-30), "a", "on")
    assert select_flag_changes([late, early], QUERY) == (early, late)


def test_a_freeze_that_began_days_before_and_is_still_on_is_found() -> None:
    freeze = window(-3 * 24 * 60, 24 * 60, "checkout")
    assert select_windows([freeze], QUERY) == (freeze,)
    assert freeze.covers("checkout", FIRST_SEEN)


def test_a_window_that_ended_before_the_lookback_or_starts_after_now_is_not_found() -> None:
    ended = window(-300, -181)
    upcoming = window(11, 60)
    assert select_windows([ended, upcoming], QUERY) == ()


def test_a_window_that_ended_just_before_the_first_signal_is_found_but_does_not_cover_it() -> None:
    maintenance = window(-60, -1, kind="maintenance")
    assert select_windows([maintenance], QUERY) == (maintenance,)
    assert not maintenance.covers("checkout", FIRST_SEEN)
    assert maintenance.covers("checkout", at(-30))


def test_the_end_of_a_window_is_excluded() -> None:
    assert not window(-60, 0).covers("checkout", FIRST_SEEN)
    assert window(0, 60).covers("checkout", FIRST_SEEN)


def test_a_window_for_other_services_is_not_found_one_for_all_services_is() -> None:
    theirs, everyone = window(-60, 60, "search"), window(-60, 60)
    assert select_windows([theirs, everyone], QUERY) == (everyone,)


SCENARIO = """\
id: checkout-flag
title: checkout errors after a flag flip
now: "2026-03-04T14:10:00Z"
alert: {source: generic, payload: {service: checkout, title: checkout errors}}
flags:
  - {at: "2026-03-04T13:40:00Z", key: new-pricing, service: checkout, change: "off -> on"}
  - {at: "2026-03-04T13:50:00Z", key: search-v2, service: search, change: "on"}
  - {at: "2026-03-03T09:00:00Z", key: old-flag, service: checkout, change: "on"}
calendar:
  - {start: "2026-03-04T00:00:00Z", end: "2026-03-06T00:00:00Z", kind: freeze,
     services: [checkout], note: quarter close}
  - {start: "2026-03-04T13:00:00Z", end: "2026-03-04T13:30:00Z", kind: maintenance,
     services: [search]}
expect: {service: checkout}
"""


def replay(tmp_path: Path) -> ReplayEvidence:
    path = tmp_path / "checkout-flag.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return ReplayEvidence([load_scenario(path)])


async def test_replay_answers_flag_changes_from_the_scenarios_flags_section(
    tmp_path: Path,
) -> None:
    changes = await replay(tmp_path).flag_changes(QUERY)
    assert changes == (FlagChange(at(-20), "new-pricing", "off -> on", "checkout"),)


async def test_replay_answers_change_windows_from_the_scenarios_calendar_section(
    tmp_path: Path,
) -> None:
    [freeze] = await replay(tmp_path).change_windows(QUERY)
    assert freeze == ChangeWindow(
        datetime(2026, 3, 4, tzinfo=UTC),
        datetime(2026, 3, 6, tzinfo=UTC),
        ChangeWindowKind.FREEZE,
        ("checkout",),
        "quarter close",
    )


async def test_the_bundle_carries_flags_and_calendar_from_every_source_once(
    tmp_path: Path,
) -> None:
    source = replay(tmp_path)
    bundle = await gather_evidence(
        QUERY, EvidenceSources(flags=[source, source], calendar=[source]), deadline=1
    )
    assert [change.key for change in bundle.flags] == ["new-pricing"]
    assert [w.kind for w in bundle.calendar] == [ChangeWindowKind.FREEZE]
    assert bundle.unavailable == ()


class BrokenCalendar:
    name = "broken calendar"

    async def change_windows(self, query: EvidenceQuery) -> tuple[ChangeWindow, ...]:
        raise OSError("disk gone")


async def test_a_failing_calendar_source_is_named_in_the_bundle_and_flags_still_arrive(
    tmp_path: Path,
) -> None:
    bundle = await gather_evidence(
        QUERY,
        EvidenceSources(flags=[replay(tmp_path)], calendar=[BrokenCalendar()]),
        deadline=1,
    )
    assert [change.key for change in bundle.flags] == ["new-pricing"]
    assert [(f.source, f.reason) for f in bundle.unavailable] == [
        ("broken calendar", "internal error (OSError)")
    ]
