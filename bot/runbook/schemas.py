"""A runbook file's front matter as frozen, validated values, and the :class:`Runbook` it makes.

The front matter says when the runbook applies (``match``), what it proposes (``actions``, each
of an :class:`~bot.action.kinds.ActionKind`) and how to tell that it worked (``verify``). Whether
an action needs a human's approval is the policy's decision, never the runbook's: a runbook that
tries to say so is refused. The Markdown below the front matter is the runbook people read.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.action.kinds import ActionKind
from bot.configfile import FileModel, Text, invalid_at
from bot.runbook.facts import Condition, MetricFact
from bot.runbook.targets import StepTarget, check_targets
from bot.scenario.terms import CauseKind, IncidentCategory

__all__ = [
    "Runbook",
    "RunbookAction",
    "RunbookFrontMatter",
    "RunbookMatchRule",
    "VerifyStep",
]

_KEBAB = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_APPROVAL_KEYS = frozenset({"requires_approval", "approval", "needs_approval", "approved"})


def _kebab_case(value: str) -> str:
    if not all(word and set(word) <= _KEBAB for word in value.split("-")):
        raise ValueError(
            f"{value!r} is not kebab-case: lowercase letters and digits in words joined by "
            "single hyphens, like oom-kill"
        )
    return value


def _one_line(value: str) -> str:
    if "\n" in value:
        raise ValueError("must be one line")
    return value


def _lower(value: str) -> str:
    return value.lower()


def _number_as_text(value: object) -> object:
    # ``- 503`` is a status code people look for in logs, not a number to reject.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


Keyword = Annotated[
    Text, BeforeValidator(_number_as_text), AfterValidator(_one_line), AfterValidator(_lower)
]


class RunbookMatchRule(FileModel):
    """When the runbook applies. ``categories`` and ``causes`` use the analysis' words (the
    scenario format's ``category`` and ``cause``); ``services`` are names or shell-style globs
    (``billing-*``) and, when given, limit the runbook to those services; ``keywords`` are words
    or phrases looked for in the alert's title and description and in log lines.

    The evidence the runbook is written for (:mod:`bot.runbook.facts`): ``evidence`` are the
    conditions that point at it (``memory-exhausted``: pods OOMKilled...), ``metrics`` the
    USE/RED facts of the service's series that support it (``latency``, ``disk-saturation``...);
    ``requires`` are conditions without which it does not apply (a batch-job runbook needs a
    job), ``against`` conditions under which it does not (scaling out while pods cannot be
    scheduled)."""

    categories: tuple[IncidentCategory, ...] = Field(min_length=1)
    causes: tuple[CauseKind, ...] = ()
    services: tuple[Text, ...] = ()
    keywords: tuple[Keyword, ...] = Field(min_length=1)
    evidence: tuple[Condition, ...] = ()
    metrics: tuple[MetricFact, ...] = ()
    requires: tuple[Condition, ...] = ()
    against: tuple[Condition, ...] = ()

    @field_validator("against")
    @classmethod
    def _not_for_and_against(
        cls, against: tuple[Condition, ...], info: ValidationInfo
    ) -> tuple[Condition, ...]:
        wanted = {*info.data.get("evidence", ()), *info.data.get("requires", ())}
        for index, condition in enumerate(against):
            if condition in wanted:
                raise invalid_at(
                    (index,),
                    f"{condition.value} is also in evidence or requires: a condition cannot "
                    "count for and against one runbook",
                    condition.value,
                )
        return against

    def covers_service(self, service: str) -> bool:
        """True when ``services`` is empty (any service) or one of its patterns matches."""
        return not self.services or any(
            fnmatch.fnmatchcase(service, pattern) for pattern in self.services
        )


class RunbookAction(FileModel):
    """One action the runbook proposes. ``when`` says in which case it is the right step,
    ``command`` is what a person (or an executor) runs, shown verbatim."""

    kind: ActionKind
    title: Annotated[Text, AfterValidator(_one_line)]
    when: Text | None = None
    command: Text | None = None
    # What the bot acts on for a service, when it carries the step out (bot.runbook.targets).
    targets: tuple[StepTarget, ...] = ()

    @model_validator(mode="after")
    def _targets_fit(self) -> RunbookAction:
        check_targets(self.kind, self.targets)
        return self

    @model_validator(mode="before")
    @classmethod
    def _approval_is_policy(cls, value: object) -> object:
        if isinstance(value, dict):
            for key in value:
                if key in _APPROVAL_KEYS:
                    raise invalid_at(
                        (key,),
                        "whether an action needs approval is decided by the policy file, "
                        "not by the runbook; remove this key",
                    )
        return value


class VerifyStep(FileModel):
    """How to tell the fix worked: what to check, and the command or query that shows it."""

    check: Annotated[Text, AfterValidator(_one_line)]
    command: Text | None = None


class RunbookFrontMatter(FileModel):
    """The YAML between the ``---`` lines at the top of a runbook file."""

    id: Annotated[Text, AfterValidator(_kebab_case)]
    title: Annotated[Text, AfterValidator(_one_line)]
    summary: Text | None = None
    match: RunbookMatchRule
    actions: tuple[RunbookAction, ...] = Field(min_length=1)
    verify: tuple[VerifyStep, ...] = Field(min_length=1)

    @field_validator("actions")
    @classmethod
    def _distinct_titles(cls, actions: tuple[RunbookAction, ...]) -> tuple[RunbookAction, ...]:
        seen: dict[str, int] = {}
        for index, action in enumerate(actions):
            if action.title in seen:
                raise invalid_at(
                    (index, "title"),
                    f"action title {action.title!r} is already used by "
                    f"actions.{seen[action.title]}",
                    action.title,
                )
            seen[action.title] = index
        return actions


@dataclass(frozen=True, slots=True)
class Runbook:
    """A loaded runbook: its front matter, the Markdown body people read, and where it came
    from (``path``, and ``body_line``: the line after the closing ``---``)."""

    front: RunbookFrontMatter
    body: str
    path: Path
    body_line: int

    @property
    def id(self) -> str:
        return self.front.id

    @property
    def title(self) -> str:
        return self.front.title

    @property
    def match(self) -> RunbookMatchRule:
        return self.front.match

    @property
    def actions(self) -> tuple[RunbookAction, ...]:
        return self.front.actions

    @property
    def action_kinds(self) -> tuple[ActionKind, ...]:
        """The kinds of the actions, in the runbook's order, each once."""
        return tuple(dict.fromkeys(action.kind for action in self.front.actions))

    @property
    def verify(self) -> tuple[VerifyStep, ...]:
        return self.front.verify
