"""The workspace seed: the shipped file, another file, and files that cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from integrations.slack_emulator import (
    EmulatorConfig,
    SlackEmulator,
    WorkspaceFileError,
    load_workspace,
)
from tests.emulator.support import bot_client


def test_the_shipped_workspace_has_people_groups_and_channels() -> None:
    workspace = load_workspace()
    people = {user.name: user for user in workspace.users}
    assert {"alice", "bob", "carol", "dana", "erin", "frank"} <= set(people)
    assert people["alice"].id == "U0ALICE"
    assert people["alice"].real_name == "Alice Moreau"
    handles = {group.handle: group.id for group in workspace.usergroups}
    assert handles["payments-oncall"] == "S0PAYONCALL"
    assert {"data-oncall", "sre-oncall", "incident-commanders"} <= set(handles)
    channels = {channel.name: channel for channel in workspace.channels}
    assert channels["general"].id == "C0GENERAL"
    assert "U0BOT" in channels["incidents"].members
    assert "U0BOT" not in channels["general"].members


async def test_another_workspace_file_seeds_the_emulator(tmp_path: Path) -> None:
    path = tmp_path / "team.yaml"
    path.write_text(
        "users:\n"
        "  - {id: U0ZOE, name: zoe, real_name: Zoe Park}\n"
        "usergroups:\n"
        "  - {id: S0ONCALL, handle: oncall, name: On call, users: [U0ZOE]}\n"
        "channels:\n"
        "  - {id: C0WAR, name: war-room, members: [U0ZOE, U0BOT]}\n",
        encoding="utf-8",
    )
    async with SlackEmulator(EmulatorConfig(port=0), load_workspace(path)) as emulator:
        web: AsyncWebClient = bot_client(emulator)
        assert (await web.users_info(user="U0ZOE"))["user"]["real_name"] == "Zoe Park"
        assert (await web.usergroups_users_list(usergroup="S0ONCALL"))["users"] == ["U0ZOE"]
        assert (await web.conversations_info(channel="C0WAR"))["channel"]["is_member"] is True


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("users: [\n", "cannot read"),
        ("users:\n  - {id: alice, name: alice, real_name: A}\n", "users.0.id"),
        ("people: []\n", "people"),
        (
            "users:\n  - {id: U0A, name: a, real_name: A}\n"
            "usergroups:\n  - {id: S0G, handle: g, name: G, users: [U0GHOST]}\n",
            "unknown user 'U0GHOST'",
        ),
        (
            "users:\n  - {id: U0A, name: a, real_name: A}\n  - {id: U0A, name: b, real_name: B}\n",
            "duplicate user id 'U0A'",
        ),
    ],
    ids=["bad-yaml", "bad-user-id", "unknown-key", "unknown-group-member", "duplicate-id"],
)
def test_a_workspace_file_that_cannot_be_used_is_named_in_the_error(
    tmp_path: Path, content: str, complaint: str
) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(WorkspaceFileError) as caught:
        load_workspace(path)
    assert str(path) in str(caught.value)
    assert complaint in str(caught.value)


def test_a_missing_workspace_file_is_named_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(WorkspaceFileError, match=r"absent\.yaml"):
        load_workspace(path)
