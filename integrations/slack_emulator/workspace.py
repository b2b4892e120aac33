"""The emulated workspace's seed: people, user groups and pre-existing channels, read from a
YAML file (the shipped ``workspace.yaml`` unless another is given). A file that cannot be used
raises ``WorkspaceFileError`` naming the file and what is wrong in it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

__all__ = [
    "DEFAULT_WORKSPACE",
    "SeedChannel",
    "User",
    "UserGroup",
    "Workspace",
    "WorkspaceFileError",
    "load_workspace",
]

DEFAULT_WORKSPACE = Path(__file__).resolve().parent / "workspace.yaml"


class User(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[UW][A-Z0-9]{2,}$")
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    real_name: str
    display_name: str = ""
    email: str = ""
    title: str = ""
    tz: str = "Europe/London"
    is_bot: bool = False


class UserGroup(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^S[A-Z0-9]{2,}$")
    handle: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    description: str = ""
    users: tuple[str, ...] = ()


class SeedChannel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^C[A-Z0-9]{2,}$")
    name: str = Field(pattern=r"^[a-z0-9_-]{1,80}$")  # Slack's channel name rules
    # People (and the bot, by the config's bot_user_id) in the channel from the start.
    members: tuple[str, ...] = ()
    topic: str = Field(default="", max_length=250)
    purpose: str = Field(default="", max_length=250)
    is_private: bool = False


def _duplicates(values: list[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


class Workspace(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    users: tuple[User, ...] = ()
    usergroups: tuple[UserGroup, ...] = ()
    channels: tuple[SeedChannel, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Workspace:
        problems: list[str] = []
        for kind, values in (
            ("user id", [u.id for u in self.users]),
            ("user name", [u.name for u in self.users]),
            ("user group id", [g.id for g in self.usergroups]),
            ("user group handle", [g.handle for g in self.usergroups]),
            ("channel id", [c.id for c in self.channels]),
            ("channel name", [c.name for c in self.channels]),
        ):
            problems.extend(f"duplicate {kind} {value!r}" for value in _duplicates(values))
        people = {user.id for user in self.users}
        for group in self.usergroups:
            problems.extend(
                f"user group {group.handle!r} lists unknown user {user!r}"
                for user in group.users
                if user not in people
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self


class WorkspaceFileError(ValueError):
    """The workspace file cannot be used; the message names the file."""


def load_workspace(path: Path | None = None) -> Workspace:
    source = path or DEFAULT_WORKSPACE
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise WorkspaceFileError(f"{source}: cannot read the workspace: {exc}") from exc
    try:
        return Workspace.model_validate(data if data is not None else {})
    except ValidationError as exc:
        # pydantic names the key path (users.2.id); the file name makes it findable.
        raise WorkspaceFileError(f"{source}: not a valid workspace: {exc}") from exc
