"""Runbook step targets: what the bot acts on for a service, validated with file, line and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.action.kinds import ActionKind
from bot.errors import ConfigFileError
from bot.runbook.loader import SHIPPED_RUNBOOKS, read_runbook
from bot.runbook.targets import target_for

HEAD = """\
---
id: job-source
title: A job's source lags
match:
  categories: [data]
  keywords: [etl]
actions:
"""
TAIL = """\
verify:
  - check: The job completed
---

# Steps
"""


def runbook(tmp_path: Path, actions: str) -> Path:
    path = tmp_path / "job-source.md"
    path.write_text(HEAD + actions + TAIL, encoding="utf-8")
    return path


def problem(tmp_path: Path, actions: str) -> str:
    with pytest.raises(ConfigFileError) as caught:
        read_runbook(runbook(tmp_path, actions))
    return str(caught.value)


def test_the_shipped_etl_runbook_declares_revenue_etls_switch_and_rerun() -> None:
    etl = read_runbook(SHIPPED_RUNBOOKS / "etl-source-timeout.md")
    by_kind = {action.kind: action for action in etl.front.actions}
    switch = target_for(by_kind[ActionKind.CONFIG_CHANGE].targets, "revenue-etl")
    assert switch is not None
    assert (switch.configmap, switch.key, switch.to) == (
        "revenue-etl-config",
        "SOURCE_DB_HOST",
        "db-replica-1",
    )
    assert switch.values == ("db-replica-1", "db-replica-2")
    rerun = target_for(by_kind[ActionKind.RERUN_JOB].targets, "revenue-etl")
    assert rerun is not None
    assert rerun.cronjob == "revenue-etl"
    assert target_for(by_kind[ActionKind.RERUN_JOB].targets, "warehouse-export") is None


def test_a_target_covers_services_by_glob(tmp_path: Path) -> None:
    loaded = read_runbook(
        runbook(
            tmp_path,
            "  - kind: rerun_job\n    title: Re-run\n"
            "    targets: [{service: 'etl-*', cronjob: nightly}]\n",
        )
    )
    [action] = loaded.front.actions
    assert target_for(action.targets, "etl-revenue") is not None
    assert target_for(action.targets, "billing") is None


def test_a_target_on_a_kind_the_bot_cannot_carry_out_names_line_and_key(tmp_path: Path) -> None:
    message = problem(
        tmp_path,
        "  - kind: restart\n    title: Restart\n    targets: [{service: x, cronjob: y}]\n",
    )
    assert "job-source.md:" in message
    assert "actions.0.targets" in message


def test_a_to_outside_the_values_is_refused_naming_its_key(tmp_path: Path) -> None:
    message = problem(
        tmp_path,
        "  - kind: config_change\n    title: Switch\n    targets:\n"
        "      - {service: x, configmap: c, key: K, values: [a, b], to: z}\n",
    )
    assert "job-source.md:11" in message
    assert "actions.0.targets.0.to" in message


def test_a_config_target_needs_its_configmap_key_and_values(tmp_path: Path) -> None:
    message = problem(
        tmp_path,
        "  - kind: config_change\n    title: Switch\n    targets:\n"
        "      - {service: x, configmap: c, key: K}\n",
    )
    assert "actions.0.targets.0.values" in message


def test_a_config_target_may_be_a_deployments_environment_variable(tmp_path: Path) -> None:
    loaded = read_runbook(
        runbook(
            tmp_path,
            "  - kind: config_change\n    title: Switch\n    targets:\n"
            "      - {service: x, deployment: x, env: SOURCE, values: [a, b], to: b}\n",
        )
    )
    [action] = loaded.front.actions
    target = target_for(action.targets, "x")
    assert target is not None
    assert (target.object_name, target.variable) == ("x", "SOURCE")


def test_a_config_target_is_a_configmap_key_or_a_deployment_env_not_both(tmp_path: Path) -> None:
    message = problem(
        tmp_path,
        "  - kind: config_change\n    title: Switch\n    targets:\n"
        "      - {service: x, deployment: x, env: S, configmap: c, values: [a]}\n",
    )
    assert "actions.0.targets.0.configmap" in message
