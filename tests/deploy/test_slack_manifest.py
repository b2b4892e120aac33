"""``slack-manifest.yaml`` is the app the code needs, and no more: Socket Mode on with no request
URLs, exactly the slash commands and events the handlers register, interactivity for their
buttons, within Slack's manifest limits, and exactly the bot scopes the Web API methods the code
calls require (a method nobody listed here fails the test until its scope is decided).

The code is read as source (its ``@app.command("/x")`` and ``@app.event("y")`` decorators, the
Slack method names it calls), not run: a new command, event or method shows up here at once."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "slack-manifest.yaml"
# Where the bot's Slack code lives: the handlers (Bolt listeners), the Slack adapter, the core.
SOURCES = [ROOT / "handlers" / "slack", ROOT / "integrations" / "slack", ROOT / "bot"]

# Each Web API method the code calls, and the bot scope Slack's method reference requires for it
# in a public channel (the bot makes public channels only); an empty set: no scope needed.
METHOD_SCOPES: dict[str, frozenset[str]] = {
    "auth.test": frozenset(),
    "chat.postMessage": frozenset({"chat:write"}),
    "chat.update": frozenset({"chat:write"}),
    "conversations.create": frozenset({"channels:manage"}),
    "conversations.invite": frozenset({"channels:manage"}),
    "conversations.setTopic": frozenset({"channels:manage"}),
    "conversations.list": frozenset({"channels:read"}),
    "conversations.history": frozenset({"channels:history"}),
    "conversations.replies": frozenset({"channels:history"}),
    "usergroups.list": frozenset({"usergroups:read"}),
    "usergroups.users.list": frozenset({"usergroups:read"}),
    "users.info": frozenset({"users:read"}),
    "views.publish": frozenset(),
    # slack_sdk's files_upload_v2 calls both of these.
    "files.getUploadURLExternal": frozenset({"files:write"}),
    "files.completeUploadExternal": frozenset({"files:write"}),
}
# slack_sdk's method wrappers the code calls by name, as the Web API methods they call.
SDK_METHODS = {
    "files_upload_v2": ("files.getUploadURLExternal", "files.completeUploadExternal"),
}
METHOD_FAMILIES = (
    "admin|apps|auth|bookmarks|calls|chat|conversations|dnd|emoji|files|pins|reactions|"
    "reminders|search|team|usergroups|users|views|workflows"
)
METHOD_NAME = re.compile(rf"^(?:{METHOD_FAMILIES})\.[a-zA-Z]+(?:\.[a-zA-Z]+)*$")
FILE_SUFFIXES = {"csv", "json", "md", "png", "py", "txt", "yaml", "yml"}  # "users.csv" is a file


@functools.cache
def _trees() -> list[ast.Module]:
    paths = sorted(path for folder in SOURCES for path in folder.rglob("*.py"))
    return [ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in paths]


def _registered(decorator: str) -> set[str]:
    """The string arguments of ``app.<decorator>("...")`` calls: Bolt listeners."""
    found: set[str] = set()
    for tree in _trees():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == decorator
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "app"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def _methods_called() -> set[str]:
    """Web API method names written in the code (``"chat.postMessage"``) and slack_sdk wrappers
    called by attribute (``client.users_info(...)`` is ``users.info``)."""
    called: set[str] = set()
    for tree in _trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if (
                    METHOD_NAME.match(node.value)
                    and node.value.rsplit(".")[-1] not in FILE_SUFFIXES
                ):
                    called.add(node.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                name = node.func.attr
                if name in SDK_METHODS:
                    called.update(SDK_METHODS[name])
                elif re.match(rf"^(?:{METHOD_FAMILIES})_[a-zA-Z_]+$", name):
                    family, _, rest = name.partition("_")
                    parts = rest.split("_")
                    called.add(family + "." + parts[0] + "".join(p.title() for p in parts[1:]))
    return called


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return loaded


def test_socket_mode_is_on_and_nothing_needs_a_public_url(manifest: dict[str, Any]) -> None:
    settings = manifest["settings"]
    assert settings["socket_mode_enabled"] is True
    assert settings["interactivity"]["is_enabled"] is True  # Approve, Deny, Resolve buttons
    assert "request_url" not in settings["interactivity"]
    assert "request_url" not in settings["event_subscriptions"]
    assert settings.get("token_rotation_enabled") is False  # the bot holds one xoxb- token
    for command in manifest["features"]["slash_commands"]:
        assert "url" not in command, command["command"]


def test_the_slash_commands_are_the_ones_the_handlers_register(manifest: dict[str, Any]) -> None:
    listed = [command["command"] for command in manifest["features"]["slash_commands"]]
    assert len(listed) == len(set(listed))
    assert set(listed) == _registered("command")


def test_the_events_are_the_ones_the_handlers_listen_to(manifest: dict[str, Any]) -> None:
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert set(events) == _registered("event")
    if "app_home_opened" in events:
        assert manifest["features"]["app_home"]["home_tab_enabled"] is True


def test_the_manifest_keeps_within_slacks_limits(manifest: dict[str, Any]) -> None:
    """The limits of Slack's manifest schema for the fields this manifest uses."""
    assert manifest["_metadata"]["major_version"] == 1
    display = manifest["display_information"]
    assert 1 <= len(display["name"]) <= 35
    assert 1 <= len(display["description"]) <= 140
    assert re.fullmatch(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?", display["background_color"])
    assert 1 <= len(manifest["features"]["bot_user"]["display_name"]) <= 80
    for command in manifest["features"]["slash_commands"]:
        assert re.fullmatch(r"/[a-z0-9_-]{1,31}", command["command"]), command
        assert 1 <= len(command["description"]) <= 2000, command["command"]
        assert 1 <= len(command.get("usage_hint", "x")) <= 1000, command["command"]


def test_the_bot_scopes_are_exactly_what_the_code_calls_need(manifest: dict[str, Any]) -> None:
    called = _methods_called()
    unknown = sorted(called - METHOD_SCOPES.keys())
    assert not unknown, f"add these methods' scopes to METHOD_SCOPES and the manifest: {unknown}"
    needed = set().union(*(METHOD_SCOPES[method] for method in called))
    if _registered("command"):
        needed.add("commands")
    granted = manifest["oauth_config"]["scopes"]["bot"]
    assert len(granted) == len(set(granted))
    assert sorted(needed - set(granted)) == [], "scopes the code needs and the manifest lacks"
    assert sorted(set(granted) - needed) == [], "scopes the manifest grants and nothing uses"
    assert "user" not in manifest["oauth_config"]["scopes"]  # the bot acts as itself only


def test_every_method_the_scope_table_names_is_still_called() -> None:
    """The table stays the code's: a method nobody calls any more is dropped from it."""
    assert sorted(METHOD_SCOPES.keys() - _methods_called()) == []
