"""Replay scenarios with a ``history`` section: the packet reads it, a past incident like this
one sways the suggestions (its verified remedy first), and one with a different cause does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.action.kinds import ActionKind
from bot.evaluation.replay import ScenarioRun, replay_scenario
from bot.runbook.loader import load_runbooks
from bot.scenario.loader import load_scenario
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence

HISTORY = SHIPPED_SCENARIOS / "history"


async def _replay(path: Path, folder: Path) -> ScenarioRun:
    return await replay_scenario(
        load_scenario(path),
        path,
        evidence_for=lambda s: replay_evidence([s]),
        runbooks=load_runbooks(),
        database_folder=folder,
    )


@pytest.mark.parametrize("path", sorted(HISTORY.glob("*.yaml")), ids=lambda p: p.stem)
async def test_each_history_scenario_passes(path: Path, tmp_path: Path) -> None:
    run = await _replay(path, tmp_path)
    assert run.passed, run.mismatches


async def test_history_alone_brings_the_restart_that_fixed_it_twice_to_the_top(
    tmp_path: Path,
) -> None:
    without = await _replay(SHIPPED_SCENARIOS / "sessions-redis-refused.yaml", tmp_path)
    again = await _replay(HISTORY / "sessions-redis-refused-again.yaml", tmp_path)
    unlike = await _replay(HISTORY / "sessions-redis-refused-unlike-history.yaml", tmp_path)

    assert ActionKind.RESTART not in without.conclusions.suggested_actions
    assert again.conclusions.suggested_actions[0] is ActionKind.RESTART
    assert unlike.conclusions.suggested_actions == without.conclusions.suggested_actions
