"""A scenario's ``expect`` table: what a correct triage concludes.

Only the keys written are checked, so "absent" and an explicit ``null`` differ: ``suspect_deploy:
null`` means the packet must blame no deploy, and ``runbook: null`` that it must say no runbook
fits, while leaving either key out checks nothing. :meth:`Expectation.expects` tells them apart.
Every other key must have a value when written.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from bot.action.kinds import ActionKind
from bot.configfile import FileModel, Text
from bot.scenario.terms import CauseKind, IncidentCategory, Marker
from bot.scenario.world import CommitSha
from bot.signal.values import Severity

__all__ = ["Expectation"]

NULLABLE_KEYS = frozenset({"suspect_deploy", "runbook"})
MIN_SHA_PREFIX = 7


def _comparable_prefix(sha: str) -> str:
    if len(sha) < MIN_SHA_PREFIX:
        raise ValueError(f"a sha compares by prefix and needs at least {MIN_SHA_PREFIX} characters")
    return sha


class Expectation(FileModel):
    service: Text | None = None
    severity: Severity | None = None
    category: IncidentCategory | None = None
    cause: CauseKind | None = None
    suspect_deploy: Annotated[CommitSha, AfterValidator(_comparable_prefix)] | None = None
    owner: Text | None = None
    dependency: Text | None = None
    runbook: Text | None = None
    suggested_actions: tuple[ActionKind, ...] = ()
    not_suggested: tuple[ActionKind, ...] = ()
    requires_approval: tuple[ActionKind, ...] = ()
    raises: tuple[Marker, ...] = ()
    incidents: int | None = Field(default=None, ge=1)

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_meaningful(cls, value: object, info: ValidationInfo) -> object:
        name = info.field_name
        if value is None and name not in NULLABLE_KEYS:
            raise ValueError(f"{name} cannot be null; leave the key out to check nothing")
        return value

    @property
    def checked(self) -> frozenset[str]:
        """The keys written in the file: the ones a replay checks."""
        return frozenset(self.model_fields_set)

    def expects(self, key: str) -> bool:
        """Whether ``key`` was written (even as ``null``), so the replay must check it."""
        return key in self.model_fields_set

    @property
    def expects_suspect_deploy(self) -> bool:
        """``suspect_deploy`` was written: check it (None means "blames no deploy")."""
        return self.expects("suspect_deploy")

    @property
    def expects_runbook(self) -> bool:
        """``runbook`` was written: check it (None means "says no runbook fits")."""
        return self.expects("runbook")
