"""The emulated workspace's people, user groups and pre-existing channels, seeded from YAML."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

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

    id: str = Field(pattern=r"^[UW][A-Z0-9]+$")
    name: str
    real_name: str
    email: str = ""
    title: str = ""
    tz: str = "Europe/London"
    is_bot: bool = False


class UserGroup(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^S[A-Z0-9]+$")
    handle: str
    name: str
    users: tuple[str, ...] = ()


class SeedChannel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^C[A-Z0-9]+$")
    name: str
    members: tuple[str, ...] = ()
    topic: str = ""


class Workspace(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    users: tuple[User, ...] = ()
    usergroups: tuple[UserGroup, ...] = ()
    channels: tuple[SeedChannel, ...] = ()


class WorkspaceFileError(ValueError):
    """The workspace file cannot be used; the message names the file."""


def load_workspace(path: Path | None = None) -> Workspace:
    source = path or DEFAULT_WORKSPACE
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        return Workspace.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise WorkspaceFileError(f"{source}: {exc}") from exc
