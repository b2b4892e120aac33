"""Reading scenario files, and folders of them, into :class:`~bot.scenario.schemas.Scenario`.

Every problem is a :class:`~bot.errors.ConfigFileError` naming the file, the line and the key:
YAML errors, unknown keys at any depth, wrong types, two scenarios with one id, and (when the
caller says which runbooks exist) a runbook id that does not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

from bot.configfile import YamlDocument, read_yaml_document, validate_document
from bot.errors import ConfigFileError
from bot.scenario.schemas import KNOWN_RUNBOOKS_CONTEXT, Scenario

__all__ = ["SCENARIO_SUFFIXES", "load_scenario", "load_scenarios", "scenario_files"]

SCENARIO_SUFFIXES = frozenset({".yaml", ".yml"})


def load_scenario(path: Path, *, known_runbooks: Collection[str] | None = None) -> Scenario:
    """Read one scenario file. With ``known_runbooks``, a runbook id in ``runbooks`` or
    ``expect.runbook`` that is not among them is an error; without, ids are not checked."""
    return _load(path, known_runbooks)[0]


def load_scenarios(
    paths: Iterable[Path], *, known_runbooks: Collection[str] | None = None
) -> list[Scenario]:
    """Read scenario files and folders (see :func:`scenario_files`), in that order; two
    scenarios with the same id are an error naming both files."""
    scenarios: list[Scenario] = []
    first_seen: dict[str, Path] = {}
    for path in scenario_files(paths):
        scenario, document = _load(path, known_runbooks)
        if scenario.id in first_seen:
            raise document.error(
                ("id",), f"scenario id {scenario.id} is already used in {first_seen[scenario.id]}"
            )
        first_seen[scenario.id] = path
        scenarios.append(scenario)
    return scenarios


def scenario_files(paths: Iterable[Path]) -> list[Path]:
    """The scenario files that ``paths`` name: a file as given, a folder as every ``*.yaml`` and
    ``*.yml`` file under it (recursively, sorted, hidden ones skipped). A path that does not exist
    or a folder without scenarios is an error; a file named twice is read once."""
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            files = sorted(
                file
                for file in path.rglob("*")
                if file.suffix in SCENARIO_SUFFIXES
                and file.is_file()
                and not any(part.startswith(".") for part in file.relative_to(path).parts)
            )
            if not files:
                raise ConfigFileError(path, "the folder holds no *.yaml or *.yml scenario files")
            found.update(dict.fromkeys(files))
        elif path.is_file():
            found[path] = None
        else:
            raise ConfigFileError(path, "no such file or folder")
    return list(found)


def _load(path: Path, known_runbooks: Collection[str] | None) -> tuple[Scenario, YamlDocument]:
    document = _shas_as_written(read_yaml_document(path))
    context = None
    if known_runbooks is not None:
        context = {KNOWN_RUNBOOKS_CONTEXT: frozenset(known_runbooks)}
    return validate_document(document, Scenario, context=context), document


def _shas_as_written(document: YamlDocument) -> YamlDocument:
    """Put back the text of shas that YAML read as numbers: ``0123456`` is octal to YAML, and
    ``str(42798)`` is not the commit."""
    data = dict(document.data)
    deploys = data.get("deploys")
    if isinstance(deploys, list):
        data["deploys"] = [
            _as_written(document, ("deploys", index), item, "sha")
            for index, item in enumerate(deploys)
        ]
    if "expect" in data:
        data["expect"] = _as_written(document, ("expect",), data["expect"], "suspect_deploy")
    return dataclasses.replace(document, data=data)


def _as_written(document: YamlDocument, where: tuple[str | int, ...], item: Any, key: str) -> Any:
    if not isinstance(item, dict):
        return item
    value = item.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = document.text_at((*where, key))
        if text is not None:
            return {**item, key: text}
    return item
