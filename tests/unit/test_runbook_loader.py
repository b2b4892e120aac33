"""Runbook files: the shipped ones load, and every problem names the file, the line and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.action.kinds import ActionKind
from bot.errors import ConfigError, ConfigFileError
from bot.runbook.facts import Condition, MetricFact
from bot.runbook.loader import SHIPPED_RUNBOOKS, load_runbooks, read_runbook
from bot.runbook.schemas import RunbookMatchRule
from bot.scenario.loader import load_scenarios
from bot.scenario.terms import CauseKind, IncidentCategory

FORMAT_RUNBOOK_IDS = frozenset(
    {
        "deploy-rollback",
        "oom-kill",
        "high-latency",
        "dependency-outage",
        "disk-filling",
        "etl-source-timeout",
        "security-triage",
    }
)
PROJECT_SCENARIOS = Path(__file__).parents[2] / "scenarios"

# Front matter on lines 1-17 (the closing '---'), the body from line 18.
GOOD = """\
---
id: small-disk
title: The disk is small
match:
  categories: [resource]
  causes: [resource]
  keywords: [disk, no space left on device]
actions:
  - kind: config_change
    title: Grow the volume
    command: kubectl patch pvc data -p '{"spec":{"resources":{"requests":{"storage":"20Gi"}}}}'
  - kind: restart
    title: Restart the writer
verify:
  - check: Used space below 80%
    command: df -h /data
---

# Steps

Grow it.
"""


def write(folder: Path, text: str, name: str = "small-disk.md") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def problem(tmp_path: Path, text: str) -> ConfigFileError:
    with pytest.raises(ConfigFileError) as caught:
        read_runbook(write(tmp_path, text))
    return caught.value


# --- the shipped runbooks ------------------------------------------------------------------------


def test_every_shipped_runbook_loads_with_the_ids_the_scenario_format_lists() -> None:
    library = load_runbooks()
    assert library.ids == FORMAT_RUNBOOK_IDS


@pytest.mark.parametrize("runbook_id", sorted(FORMAT_RUNBOOK_IDS))
def test_each_shipped_runbook_has_steps_commands_and_checks(runbook_id: str) -> None:
    runbook = read_runbook(SHIPPED_RUNBOOKS / f"{runbook_id}.md")
    assert runbook.id == runbook_id
    assert len(runbook.body.splitlines()) >= 30, "a runbook people can follow, not a stub"
    assert "```" in runbook.body, "the steps show the commands to run"
    assert any(action.command for action in runbook.actions)
    assert runbook.verify
    assert runbook.match.keywords


def test_security_runbook_is_the_only_one_for_the_security_category() -> None:
    library = load_runbooks()
    security = [r.id for r in library if IncidentCategory.SECURITY in r.match.categories]
    assert security == ["security-triage"]


def test_project_scenarios_name_only_shipped_runbooks() -> None:
    scenarios = load_scenarios([PROJECT_SCENARIOS], known_runbooks=load_runbooks().ids)
    # ``runbook: null`` (no runbook fits) and no ``runbook`` key name none.
    named = {s.expect.runbook for s in scenarios if s.expect.runbook is not None}
    assert named <= FORMAT_RUNBOOK_IDS


# --- a good file ---------------------------------------------------------------------------------


def test_a_runbook_keeps_its_front_matter_and_its_body(tmp_path: Path) -> None:
    runbook = read_runbook(write(tmp_path, GOOD))
    assert runbook.id == "small-disk"
    assert runbook.action_kinds == (ActionKind.CONFIG_CHANGE, ActionKind.RESTART)
    assert runbook.actions[0].command is not None
    assert runbook.actions[0].command.endswith("""{"storage":"20Gi"}}}}'""")
    assert runbook.verify[0].check == "Used space below 80%"
    assert runbook.body == "# Steps\n\nGrow it."
    assert runbook.body_line == 18


def test_keywords_are_lowercased_and_numbers_read_as_text(tmp_path: Path) -> None:
    text = GOOD.replace("keywords: [disk, no space left on device]", "keywords: [ENOSPC, 507]")
    assert read_runbook(write(tmp_path, text)).match.keywords == ("enospc", "507")


def test_a_folder_loads_sorted_and_skips_its_readme(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    write(tmp_path, GOOD.replace("small-disk", "another-disk"), "another-disk.md")
    write(tmp_path, "# How to write a runbook\n", "README.md")
    assert [r.id for r in load_runbooks([tmp_path])] == ["another-disk", "small-disk"]


# --- problems: file, line and key ----------------------------------------------------------------


def test_missing_key_is_named_with_the_line_of_its_mapping(tmp_path: Path) -> None:
    error = problem(
        tmp_path,
        GOOD.replace("  causes: [resource]\n", "").replace(
            "  keywords: [disk, no space left on device]\n", ""
        ),
    )
    assert error.path.name == "small-disk.md"
    assert (error.line, error.key) == (4, "match.keywords")
    assert "required key keywords is missing" in error.reason


def test_missing_top_level_key_is_named(tmp_path: Path) -> None:
    text = GOOD.replace("verify:\n  - check: Used space below 80%\n    command: df -h /data\n", "")
    error = problem(tmp_path, text)
    assert error.key == "verify"
    assert "required key verify is missing" in error.reason


def test_wrong_type_names_the_line_and_key(tmp_path: Path) -> None:
    error = problem(tmp_path, GOOD.replace("    title: Restart the writer", "    title: [a, b]"))
    assert (error.line, error.key) == (13, "actions.1.title")


def test_unknown_action_kind_is_named_with_the_kinds_allowed(tmp_path: Path) -> None:
    error = problem(tmp_path, GOOD.replace("kind: restart", "kind: reboot"))
    assert (error.line, error.key) == (12, "actions.1.kind")
    assert "'rollback'" in error.reason
    assert "reboot" in error.reason


def test_two_actions_with_one_title_are_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, GOOD.replace("title: Restart the writer", "title: Grow the volume"))
    assert (error.line, error.key) == (13, "actions.1.title")
    assert "already used by actions.0" in error.reason


def test_unknown_category_is_named(tmp_path: Path) -> None:
    error = problem(tmp_path, GOOD.replace("categories: [resource]", "categories: [disks]"))
    assert (error.line, error.key) == (5, "match.categories.0")


def test_approval_in_a_runbook_is_refused_because_policy_decides(tmp_path: Path) -> None:
    text = GOOD.replace(
        "    title: Restart the writer", "    title: Restart\n    requires_approval: no"
    )
    error = problem(tmp_path, text)
    assert (error.line, error.key) == (14, "actions.1.requires_approval")
    assert "policy" in error.reason


def test_unknown_key_suggests_the_close_one(tmp_path: Path) -> None:
    error = problem(tmp_path, GOOD.replace("  causes:", "  cause:"))
    assert (error.line, error.key) == (6, "match.cause")
    assert "did you mean causes?" in error.reason


def test_bad_yaml_names_the_line_in_the_file(tmp_path: Path) -> None:
    error = problem(tmp_path, GOOD.replace("    title: Grow the volume", "    title: [Grow"))
    assert error.line is not None
    assert 10 <= error.line <= 12
    assert "invalid YAML" in error.reason


def test_duplicate_key_is_named(tmp_path: Path) -> None:
    error = problem(tmp_path, GOOD.replace("title: The disk is small", "title: a\ntitle: b"))
    assert (error.line, error.key) == (4, "title")


def test_an_id_other_than_the_file_name_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, GOOD.replace("id: small-disk", "id: big-disk"))
    assert (error.line, error.key) == (2, "id")
    assert "small-disk" in error.reason


def test_an_id_not_in_kebab_case_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, GOOD.replace("id: small-disk", "id: Small_Disk"))
    assert (error.line, error.key) == (2, "id")
    assert "kebab-case" in error.reason


def test_a_file_without_front_matter_is_an_error_at_line_one(tmp_path: Path) -> None:
    error = problem(tmp_path, "# Just Markdown\n")
    assert error.line == 1
    assert "front matter" in error.reason


def test_front_matter_without_its_closing_line_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, GOOD.replace("---\n\n# Steps", "\n# Steps"))
    assert error.line == 1
    assert "closing" in error.reason


def test_a_runbook_without_a_body_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, GOOD.split("# Steps")[0])
    assert error.line == 17
    assert "no steps" in error.reason


def test_two_folders_with_one_id_name_both_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = write(tmp_path / "a", GOOD)
    write(tmp_path / "b", GOOD)
    with pytest.raises(ConfigFileError) as caught:
        load_runbooks([tmp_path / "a", tmp_path / "b"])
    assert caught.value.key == "id"
    assert str(first) in caught.value.reason


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="no such runbook folder"):
        load_runbooks([tmp_path / "nowhere"])


def test_a_required_id_that_no_file_provides_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, GOOD)
    with pytest.raises(ConfigError, match="no runbook with id oom-kill"):
        load_runbooks([tmp_path], required={"oom-kill", "small-disk"})


# --- what a scenario asks for ---------------------------------------------------------------------


def test_default_selects_every_runbook() -> None:
    library = load_runbooks()
    assert library.selected("default").ids == FORMAT_RUNBOOK_IDS


def test_a_list_selects_those_runbooks_in_that_order() -> None:
    chosen = load_runbooks().selected(["oom-kill", "deploy-rollback"])
    assert [r.id for r in chosen] == ["oom-kill", "deploy-rollback"]


def test_an_empty_list_selects_none() -> None:
    assert len(load_runbooks().selected([])) == 0


def test_selecting_an_unknown_id_is_an_error() -> None:
    with pytest.raises(ConfigError, match="unknown runbook restart-it"):
        load_runbooks().selected(["restart-it"])


# --- the evidence a runbook is written for -----------------------------------------------------

WITH_EVIDENCE = GOOD.replace(
    "  keywords: [disk, no space left on device]\n",
    "  keywords: [disk, no space left on device]\n"
    "  evidence: [disk-exhausted]\n"
    "  metrics: [disk-saturation]\n"
    "  against: [unschedulable]\n",
)


def test_evidence_metrics_and_against_load_as_facts(tmp_path: Path) -> None:
    rule = read_runbook(write(tmp_path, WITH_EVIDENCE)).match
    assert rule.evidence == (Condition.DISK_EXHAUSTED,)
    assert rule.metrics == (MetricFact.DISK_SATURATION,)
    assert (rule.requires, rule.against) == ((), (Condition.UNSCHEDULABLE,))


def test_an_unknown_condition_is_named_with_its_line_and_key(tmp_path: Path) -> None:
    error = problem(tmp_path, WITH_EVIDENCE.replace("[disk-exhausted]", "[disk-full]"))
    assert (error.line, error.key) == (8, "match.evidence.0")
    assert "disk-exhausted" in error.reason  # the allowed values are listed


def test_an_unknown_metric_fact_is_named_with_its_line_and_key(tmp_path: Path) -> None:
    error = problem(tmp_path, WITH_EVIDENCE.replace("[disk-saturation]", "[disk-usage]"))
    assert (error.line, error.key) == (9, "match.metrics.0")


def test_a_condition_both_for_and_against_a_runbook_is_an_error(tmp_path: Path) -> None:
    error = problem(tmp_path, WITH_EVIDENCE.replace("[unschedulable]", "[disk-exhausted]"))
    assert (error.line, error.key) == (10, "match.against.0")
    assert "cannot count for and against" in error.reason


def test_shipped_runbooks_name_the_evidence_the_issue_maps_to_them() -> None:
    library = load_runbooks()

    def rule(runbook_id: str) -> RunbookMatchRule:
        runbook = library.get(runbook_id)
        assert runbook is not None
        return runbook.match

    assert Condition.MEMORY_EXHAUSTED in rule("oom-kill").evidence
    assert Condition.DISK_EXHAUSTED in rule("disk-filling").evidence
    assert Condition.BATCH_JOB_FAILED in rule("etl-source-timeout").requires
    assert Condition.CUSTOMER_DATA in rule("security-triage").evidence
    assert MetricFact.LATENCY in rule("high-latency").metrics
    assert rule("deploy-rollback").causes == (CauseKind.DEPLOY,)
