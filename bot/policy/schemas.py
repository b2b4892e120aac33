"""The policy file's shape, validated by pydantic: every key, its type, its limits.

These are the models of the operator's YAML (see ``bot/policy/default.yaml`` for a commented
example). An unset optional key is ``None`` here, never a default, so the rules can tell "this
service says nothing about it" from "this service says no" and fall back to the next scope:
``services.<name>.actions.<kind>``, then ``services.<name>``, then ``defaults.actions.<kind>``,
then ``defaults``, then the built-in default.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, model_validator

from bot.action.kinds import ActionKind
from bot.configfile import FileModel, Text, UtcDatetime, invalid_at

__all__ = [
    "ActionRules",
    "ActionsRules",
    "Autonomy",
    "ChangeFreezeRules",
    "FreezeWindow",
    "KillSwitchRules",
    "PolicyFile",
    "PostmortemRules",
    "Principal",
    "RestartRules",
    "ScaleRules",
    "ScopeRules",
    "Weekday",
    "WeeklyWindow",
]

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_HANDLE = re.compile(r"^@[A-Za-z0-9][A-Za-z0-9._-]*$")


def _principal(value: str) -> str:
    if _USER_ID.match(value) or _GROUP_ID.match(value) or _HANDLE.match(value):
        return value
    hint = f"; for a user group's handle write @{value}" if _HANDLE.match(f"@{value}") else ""
    raise ValueError(
        f"{value!r} is not a Slack user id (U0BOB), user-group id (S0PAYONCALL) "
        f"or user-group handle (@payments-oncall){hint}"
    )


Principal = Annotated[str, AfterValidator(_principal)]
"""Who a rule names: a Slack user id (``U…`` or ``W…``), a user-group id (``S…``) or a
user-group handle written with its ``@`` (``@payments-oncall``)."""

Principals = tuple[Principal, ...]

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_END_OF_DAY = time.max


def _clock_time(value: object) -> object:
    """``"16:00"`` (UTC); ``"24:00"`` is the end of the day."""
    if not isinstance(value, str):
        raise ValueError('expected a time of day in quotes, "HH:MM" (UTC)')
    if value == "24:00":
        return _END_OF_DAY
    match = _CLOCK.match(value)
    if match is None:
        raise ValueError(f'{value!r} is not a time of day "HH:MM" between 00:00 and 24:00')
    return time(int(match[1]), int(match[2]))


ClockTime = Annotated[time, BeforeValidator(_clock_time)]


class _Section(FileModel):
    """A mapping of optional keys: a section left empty (only comments under it) is the same
    as ``{}``, not an error."""

    @model_validator(mode="before")
    @classmethod
    def _empty_is_defaults(cls, value: object) -> object:
        return {} if value is None else value


class Autonomy(StrEnum):
    """How far the bot goes with a kind of action on its own, least first: ``suggest`` (the
    packet shows it, nothing runs it), ``approve`` (it runs once a person approves its plan)
    and ``auto`` (it runs at once within its guardrails, and reports)."""

    SUGGEST = "suggest"
    APPROVE = "approve"
    AUTO = "auto"

    @property
    def rank(self) -> int:
        return _AUTONOMY_ORDER.index(self)

    def at_most(self, ceiling: Autonomy) -> Autonomy:
        """This level, lowered to ``ceiling`` when it is above it."""
        return self if self.rank <= ceiling.rank else ceiling


_AUTONOMY_ORDER = (Autonomy.SUGGEST, Autonomy.APPROVE, Autonomy.AUTO)


class _Autonomous(_Section):
    """A scope that may set the autonomy level; ``requires_approval`` is its older spelling
    (``true``: approve, ``false``: auto), so one section may not say both."""

    autonomy: Autonomy | None = None
    requires_approval: StrictBool | None = None

    @model_validator(mode="after")
    def _one_spelling(self) -> _Autonomous:
        if self.autonomy is not None and self.requires_approval is not None:
            raise invalid_at(
                ("requires_approval",),
                "say either autonomy (suggest, approve, auto) or requires_approval, not both",
            )
        return self

    @property
    def level(self) -> Autonomy | None:
        """The level this section sets, in either spelling; None when it says nothing."""
        if self.autonomy is not None:
            return self.autonomy
        if self.requires_approval is None:
            return None
        return Autonomy.APPROVE if self.requires_approval else Autonomy.AUTO

    @property
    def level_key(self) -> str:
        return "autonomy" if self.autonomy is not None else "requires_approval"


class ActionRules(_Autonomous):
    """What one scope says about one kind of action."""

    approvers: Principals | None = None
    allow_self_approval: StrictBool | None = None


class ScaleRules(ActionRules):
    """``scale``: how far one action may move the replica count."""

    max_scale_factor: Annotated[float, Field(ge=1.0, le=100.0)] | None = None
    max_replicas: Annotated[int, Field(strict=True, ge=1)] | None = None
    allow_scale_to_zero: StrictBool | None = None


class RestartRules(ActionRules):
    """``restart`` (a rollout restart, or deleting one pod): how often, and how many at once."""

    max_per_hour: Annotated[int, Field(strict=True, ge=0)] | None = None
    one_pod_at_a_time: StrictBool | None = None


class ActionsRules(_Section):
    """One optional section per action kind; a key that is not a kind is an error."""

    rollback: ActionRules | None = None
    restart: RestartRules | None = None
    scale: ScaleRules | None = None
    config_change: ActionRules | None = None
    flag_off: ActionRules | None = None
    rerun_job: ActionRules | None = None
    failover: ActionRules | None = None
    status_update: ActionRules | None = None
    page_owner: ActionRules | None = None
    open_ticket: ActionRules | None = None

    def of(self, kind: ActionKind) -> ActionRules | None:
        rules: ActionRules | None = getattr(self, ActionKind(kind).value)
        return rules


class ScopeRules(_Autonomous):
    """``defaults``, or one service under ``services``: the autonomy level and approvers for
    every kind, and per kind."""

    approvers: Principals | None = None
    allow_self_approval: StrictBool | None = None
    actions: ActionsRules = ActionsRules()


class WeeklyWindow(FileModel):
    """Every week on ``days``, from ``from`` to ``to`` (UTC). A ``to`` at or before ``from``
    ends on the next day, so ``{days: [fri], from: "22:00", to: "06:00"}`` is Friday night."""

    days: Annotated[tuple[Weekday, ...], Field(min_length=1)]
    start: ClockTime = Field(alias="from")
    end: ClockTime = Field(alias="to")

    @model_validator(mode="after")
    def _not_empty(self) -> WeeklyWindow:
        if self.start == self.end:
            raise invalid_at(("to",), "a weekly window must not end when it starts")
        return self

    def occurrence(self, at: datetime) -> tuple[datetime, datetime] | None:
        """The occurrence that covers the UTC instant ``at`` (start, end), if one does: the
        one that starts that day, or one that started the day before and runs past midnight."""
        for back in (0, 1):
            day = (at - timedelta(days=back)).date()
            if WEEKDAYS[day.weekday()] not in self.days:
                continue
            start = datetime.combine(day, self.start, tzinfo=at.tzinfo)
            if self.end == _END_OF_DAY:
                end = datetime.combine(day + timedelta(days=1), time(), tzinfo=at.tzinfo)
            elif self.end > self.start:
                end = datetime.combine(day, self.end, tzinfo=at.tzinfo)
            else:
                end = datetime.combine(day + timedelta(days=1), self.end, tzinfo=at.tzinfo)
            if start <= at < end:
                return start, end
        return None


class FreezeWindow(FileModel):
    """A change freeze of the policy's own: from ``start`` up to (not including) ``end``, or
    ``weekly``. Without ``services`` it covers every service; without ``actions`` every kind."""

    start: UtcDatetime | None = None
    end: UtcDatetime | None = None
    weekly: WeeklyWindow | None = None
    # An empty list would cover nothing, which is never what was meant: leave the key out.
    services: Annotated[tuple[Text, ...], Field(min_length=1)] | None = None
    actions: Annotated[tuple[ActionKind, ...], Field(min_length=1)] | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _one_shape(self) -> FreezeWindow:
        if self.weekly is not None:
            if self.start is not None or self.end is not None:
                key = "start" if self.start is not None else "end"
                raise invalid_at((key,), "a window is either start/end or weekly, not both")
            return self
        if self.start is None or self.end is None:
            missing = "start" if self.start is None else "end"
            raise invalid_at((missing,), f"a window needs start and end, or weekly ({missing})")
        if self.end <= self.start:
            raise invalid_at(("end",), "end must be after start", self.end.isoformat())
        return self

    def occurrence(
        self, service: str, kind: ActionKind, at: datetime
    ) -> tuple[datetime, datetime] | None:
        """The stretch of this window that freezes ``kind`` on ``service`` at ``at``, if any."""
        if self.services is not None and service not in self.services:
            return None
        if self.actions is not None and kind not in self.actions:
            return None
        if self.weekly is not None:
            return self.weekly.occurrence(at)
        start, end = self.start, self.end
        if start is None or end is None:  # never: the validator requires both without weekly
            return None
        return (start, end) if start <= at < end else None


class ChangeFreezeRules(_Section):
    """The policy's own freeze windows, and whether the change calendar's freezes count too."""

    from_calendar: StrictBool = True
    windows: tuple[FreezeWindow, ...] = ()


class KillSwitchRules(_Section):
    """Who may turn the kill switch. Without operators anyone may; ``anyone_may_engage`` lets
    everyone stop actions while only operators may let them run again."""

    operators: Principals = ()
    anyone_may_engage: StrictBool = True


class PostmortemRules(_Section):
    """Who besides the incident's commander may start its postmortem (no list: anyone)."""

    allowed: Principals | None = None


class PolicyFile(_Section):
    """The whole file. Every key is optional: an empty mapping is the built-in policy."""

    dry_run: StrictBool = False
    approval_ttl_minutes: Annotated[int, Field(strict=True, ge=1, le=24 * 60)] = 15
    defaults: ScopeRules = ScopeRules()
    services: dict[Text, ScopeRules] = Field(default_factory=dict)
    change_freeze: ChangeFreezeRules = ChangeFreezeRules()
    kill_switch: KillSwitchRules = KillSwitchRules()
    postmortem: PostmortemRules = PostmortemRules()
