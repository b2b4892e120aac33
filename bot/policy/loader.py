"""Reading the operator's policy file into a :class:`~bot.policy.rules.Policy`.

Every problem is a :class:`~bot.errors.ConfigFileError` naming the file, the 1-based line and the
dotted key, as for runbooks and the catalog: YAML errors, duplicate keys, unknown keys (with a
"did you mean"), wrong types, negative limits, bad times. The bot loads the policy at start-up,
before anything listens, so a bad file stops it.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from bot.configfile import YamlDocument, parse_yaml_document, read_yaml_document, validate_document
from bot.policy.rules import Policy
from bot.policy.schemas import PolicyFile

__all__ = ["SHIPPED_POLICY", "load_policy", "parse_policy"]

SHIPPED_POLICY = Path(__file__).resolve().parent / "default.yaml"
"""The policy that ships with the bot, used when ``POLICY_PATH`` is not set."""


def load_policy(path: Path) -> Policy:
    """Read and validate the policy file at ``path``."""
    return _policy(read_yaml_document(path))


def parse_policy(text: str, *, path: Path) -> Policy:
    """Validate ``text`` (the contents of ``path``) as a policy file."""
    return _policy(parse_yaml_document(text, path=path))


def _policy(document: YamlDocument) -> Policy:
    rules = validate_document(_times_as_written(document), PolicyFile)
    return Policy.from_file(rules, source=document.path)


def _times_as_written(document: YamlDocument) -> YamlDocument:
    """YAML 1.1 reads an unquoted ``16:00`` as the number 960 (base 60); a weekly window's
    ``from`` and ``to`` get back the text the operator wrote, so both spellings work."""
    data: dict[str, Any] = document.data
    freeze = data.get("change_freeze")
    if not isinstance(freeze, dict):
        return document
    windows = freeze.get("windows")
    if not isinstance(windows, list):
        return document
    changed = False
    copies: list[Any] = []
    for index, window in enumerate(windows):
        weekly = window.get("weekly") if isinstance(window, dict) else None
        if not isinstance(weekly, dict):
            copies.append(window)
            continue
        weekly = dict(weekly)
        for key in ("from", "to"):
            text = document.text_at(("change_freeze", "windows", index, "weekly", key))
            if text is not None and isinstance(weekly.get(key), int) and ":" in text:
                weekly[key] = text
                changed = True
        copies.append({**window, "weekly": weekly})
    if not changed:
        return document
    return replace(document, data={**data, "change_freeze": {**freeze, "windows": copies}})
