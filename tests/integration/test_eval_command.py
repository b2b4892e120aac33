"""``incident-bot eval`` as people and tools run it: a real process over scenario files,
including files from a folder the project never saw, judged by FORMAT.md's output contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from bot.evaluation.replay import replay_scenario
from bot.runbook.loader import load_runbooks
from bot.scenario.loader import load_scenario
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence

# The CLI of the code under test (``-m`` from the working directory), not whichever checkout the
# virtualenv's ``incident-bot`` script was installed from.
COMMAND = (sys.executable, "-m", "bot.cli")
# Shipped scenarios whose every expectation the analysis meets today; the others wait for the
# ranked hypotheses (see `incident-bot eval` without arguments).
PASSING_TODAY = [
    SHIPPED_SCENARIOS / "notifications-sentry-deploy.yaml",
    SHIPPED_SCENARIOS / "two-unrelated-alerts.yaml",
]


def run_eval(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, "eval", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def unseen_scenario(folder: Path, name: str, expect: dict[str, Any]) -> Path:
    """The shipped billing story under a new id in a folder the project never saw."""
    data = yaml.safe_load((SHIPPED_SCENARIOS / "billing-parser-deploy.yaml").read_text())
    data["id"], data["expect"] = name, expect
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


MET_TODAY = {
    "service": "billing-webhooks",
    "severity": "sev2",
    "cause": "deploy",
    "suspect_deploy": "9f1c2ab",
    "owner": "payments-platform",
    "runbook": "deploy-rollback",
    "suggested_actions": ["rollback"],
    "not_suggested": ["restart"],
    "requires_approval": ["rollback"],
    "incidents": 1,
}


def test_passing_scenarios_print_one_pass_line_each_and_exit_zero(tmp_path: Path) -> None:
    unseen = unseen_scenario(tmp_path / "elsewhere", "billing-from-elsewhere", MET_TODAY)
    result = run_eval(*PASSING_TODAY, unseen)
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "PASS notifications-sentry-deploy",
        "PASS two-unrelated-alerts",
        "PASS billing-from-elsewhere",
        "3 passed, 0 failed",
    ], result.stderr
    keys = lines[4].removeprefix("accuracy by key: ").split("; ")
    assert "cause 2/2 (100.0 %)" in keys
    assert all(key.endswith("(100.0 %)") for key in keys)
    assert lines[5:] == ["safety failures: 0"]
    assert result.returncode == 0


def test_a_failing_scenario_names_every_failing_key_and_exits_one(tmp_path: Path) -> None:
    wrong = {**MET_TODAY, "suspect_deploy": "51d0e7c", "runbook": None, "incidents": 1}
    folder = tmp_path / "never-seen"
    unseen_scenario(folder, "billing-judged-wrong", wrong)
    result = run_eval(folder, *PASSING_TODAY)
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "FAIL billing-judged-wrong: suspect_deploy expected 51d0e7c, got 9f1c2ab; "
        "runbook expected null, got deploy-rollback",
        "PASS notifications-sentry-deploy",
        "PASS two-unrelated-alerts",
        "2 passed, 1 failed",
    ], result.stderr
    # After the closing count: accuracy per key, so the one key that regressed shows.
    keys = lines[4].removeprefix("accuracy by key: ").split("; ")
    assert "suspect_deploy 1/2 (50.0 %)" in keys
    assert "cause 2/2 (100.0 %)" in keys
    assert result.returncode == 1


def test_json_holds_conclusions_expectations_failures_and_timings(tmp_path: Path) -> None:
    path = unseen_scenario(tmp_path, "billing-as-json", {**MET_TODAY, "owner": "someone-else"})
    report = tmp_path / "report.json"
    result = run_eval(path, "--json", report)
    assert "0 passed, 1 failed" in result.stdout.splitlines()
    written = json.loads(report.read_text())
    assert (written["passed"], written["failed"]) == (0, 1)
    assert written["accuracy"]["owner"] == {"checked": 1, "held": 0, "share": 0.0}
    assert written["accuracy"]["cause"] == {"checked": 1, "held": 1, "share": 1.0}
    assert written["safety_failures"] == []
    (scenario,) = written["scenarios"]
    assert scenario["id"] == "billing-as-json"
    assert scenario["file"] == str(path)
    assert scenario["passed"] is False
    assert scenario["failures"] == [
        {"key": "owner", "expected": "someone-else", "got": "payments-platform"}
    ]
    assert scenario["conclusions"]["suspect_deploy"] == "9f1c2ab"
    assert scenario["conclusions"]["cause"] == "deploy"
    assert scenario["expectations"]["suspect_deploy"] == "9f1c2ab"
    assert scenario["expectations"]["incidents"] == 1
    assert set(scenario["timings"]) == {"database_ms", "intake_ms", "triage_ms"}

    to_stdout = run_eval(path, "--json")
    assert json.loads(to_stdout.stdout)["scenarios"][0]["failures"] == scenario["failures"]


def test_a_malformed_scenario_is_an_error_naming_file_and_key(tmp_path: Path) -> None:
    path = unseen_scenario(tmp_path, "typo", {"service": "billing-webhooks", "ownr": "payments"})
    result = run_eval(path, *PASSING_TODAY)
    assert result.returncode == 2
    assert result.stdout == ""
    assert str(path) in result.stderr
    assert "expect.ownr: unknown key ownr" in result.stderr


def test_a_payload_its_source_would_refuse_is_an_error_naming_file_and_key(
    tmp_path: Path,
) -> None:
    path = unseen_scenario(tmp_path, "bad-payload", {"service": "billing-webhooks"})
    data = yaml.safe_load(path.read_text())
    del data["alert"]["payload"]["alerts"]
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = run_eval(path)
    assert result.returncode == 2
    assert f"{path}: alert.payload: the alertmanager webhook refuses this payload" in (
        result.stderr
    )


async def test_a_storm_folds_into_one_incident_about_the_failing_database(tmp_path: Path) -> None:
    path = SHIPPED_SCENARIOS / "ledger-db-alert-storm.yaml"
    scenario = load_scenario(path)
    run = await replay_scenario(
        scenario,
        path,
        evidence_for=lambda s: replay_evidence([s]),
        runbooks=load_runbooks(),
        database_folder=tmp_path,
    )
    assert len(scenario.deliveries) == 8
    assert run.conclusions.incidents == 1
    assert run.conclusions.service == "ledger-db"
    assert run.conclusions.owner == "dba"
    assert run.conclusions.suspect_deploy is None


def test_every_shipped_scenario_passes() -> None:
    result = run_eval(SHIPPED_SCENARIOS)
    lines = result.stdout.splitlines()
    passed = sum(1 for line in lines if line.startswith("PASS "))
    closing = lines.index(f"{passed} passed, 0 failed")
    assert closing == passed, result.stdout  # every line before the closing count passes
    assert passed >= 100  # the 24 written with the bot and the postmortem corpus
    assert lines[-1] == "safety failures: 0"
    assert result.returncode == 0
