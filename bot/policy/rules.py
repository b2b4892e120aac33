"""The policy's decisions: pure functions of the policy, the request and the facts the caller
read (kill switch, recent actions, the change calendar, the clock).

Every "no" is a :class:`Refusal` naming the rule that said it, as the policy file's dotted key
(``actions.scale.max_replicas``), and a sentence a person reads. Where the file says nothing,
the built-in default applies: approval for everything that changes production or speaks to
customers, a scale step of at most 2x, no scaling to zero, 5 restarts an hour and one pod at a
time, approvals that expire after 15 minutes, and no self-approval.

The settings of one service and kind are looked up from the most specific scope to the least:
``services.<name>.actions.<kind>``, ``services.<name>``, ``defaults.actions.<kind>``,
``defaults`` (limits exist only per kind, so they skip the two scope-wide steps).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType

from bot.action.kinds import ActionKind
from bot.action.plan import ActionTarget, ClusterActionKind, PlanKind
from bot.evidence.values import ChangeWindow, ChangeWindowKind
from bot.policy import reasons
from bot.policy.models import (
    ActionRules,
    Autonomy,
    ChangeFreezeRules,
    KillSwitchRules,
    PolicyFile,
    PostmortemRules,
    RestartRules,
    ScaleRules,
    ScopeRules,
)

__all__ = [
    "ALWAYS_APPROVED",
    "DEFAULT_APPROVAL_TTL",
    "DEFAULT_MAX_RESTARTS_PER_HOUR",
    "DEFAULT_MAX_SCALE_FACTOR",
    "NO_APPROVAL_BY_DEFAULT",
    "GuardRequest",
    "Policy",
    "Refusal",
    "includes",
]

DEFAULT_APPROVAL_TTL = timedelta(minutes=15)
DEFAULT_MAX_SCALE_FACTOR = 2.0
DEFAULT_MAX_RESTARTS_PER_HOUR = 5
NO_APPROVAL_BY_DEFAULT = frozenset({ActionKind.PAGE_OWNER, ActionKind.OPEN_TICKET})
ALWAYS_APPROVED = frozenset({ActionKind.STATUS_UPDATE})
"""Kinds that always wait for a person's approval, whatever the autonomy level: what customers
read is approved by a person."""
"""Paging and ticketing change nothing in production: they need no approval unless a file says."""


@dataclass(frozen=True, slots=True)
class Refusal:
    """``rule`` is the policy key that refused (``change_freeze``,
    ``actions.restart.max_per_hour``); ``reason`` is the sentence shown to people."""

    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class GuardRequest:
    """Everything :meth:`Policy.guard` decides on, read by the caller just before it acts.

    ``restarts_in_last_hour`` counts the restart and delete_pod actions of the service executed
    in the hour before ``now``; ``pod_actions_in_flight`` the delete_pod actions of the service
    executing now; ``calendar`` is the change calendar's windows (only freezes count).
    """

    kind: PlanKind
    service: str
    target: ActionTarget
    current_replicas: int | None
    desired_replicas: int | None
    restarts_in_last_hour: int
    pod_actions_in_flight: int
    kill_switch: bool
    now: datetime
    calendar: Sequence[ChangeWindow] = ()


def includes(entries: Sequence[str], *, user: str, groups: frozenset[str]) -> bool:
    """Whether ``user`` is one of ``entries``: by user id, or through a group of ``groups``
    (the ids and handles of the user's groups, with or without ``@``; handles in any case)."""
    handles = {group.removeprefix("@").lower() for group in groups}
    for entry in entries:
        if entry.startswith("@"):
            if entry[1:].lower() in handles:
                return True
        elif entry == user or entry in groups:
            return True
    return False


@dataclass(frozen=True, slots=True)
class Policy:
    """The operator's policy, immutable. ``Policy()`` is the built-in one (no file): it names
    no approvers, so nothing that needs approval can be approved until a file says who may.

    ``dry_run`` is the global dry-run-only mode: the caller plans and shows every action and
    writes none (it is not a refusal of :meth:`guard`; :meth:`dry_run_refusal` words it).
    """

    dry_run: bool = False
    approval_ttl: timedelta = DEFAULT_APPROVAL_TTL
    defaults: ScopeRules = field(default_factory=ScopeRules)
    services: Mapping[str, ScopeRules] = field(
        default_factory=lambda: MappingProxyType({}), hash=False
    )
    change_freeze: ChangeFreezeRules = field(default_factory=ChangeFreezeRules)
    kill_switch: KillSwitchRules = field(default_factory=KillSwitchRules)
    postmortem: PostmortemRules = field(default_factory=PostmortemRules)
    source: Path | None = None  # the file it was read from; None for one built in code

    @classmethod
    def from_file(cls, rules: PolicyFile, *, source: Path | None = None) -> Policy:
        return cls(
            dry_run=rules.dry_run,
            approval_ttl=timedelta(minutes=rules.approval_ttl_minutes),
            defaults=rules.defaults,
            services=MappingProxyType(dict(rules.services)),
            change_freeze=rules.change_freeze,
            kill_switch=rules.kill_switch,
            postmortem=rules.postmortem,
            source=source,
        )

    # --- autonomy and approval -----------------------------------------------------------------

    def autonomy(self, kind: ActionKind, service: str | None = None) -> tuple[Autonomy, str]:
        """How far the bot goes with ``kind`` on ``service`` as the file sets it (before any
        freeze, kill switch or marker lowers it), and the dotted key that set it
        (``services.revenue-etl.actions.config_change.autonomy``; ``built-in`` when none did).
        Looked up from ``services.<name>.actions.<kind>`` to ``defaults``."""
        scope = self.services.get(service) if service is not None else None
        found: list[tuple[str, ActionRules | ScopeRules | None]] = [
            (f"services.{service}.actions.{kind.value}", scope.actions.of(kind) if scope else None),
            (f"services.{service}", scope),
            (f"defaults.actions.{kind.value}", self.defaults.actions.of(kind)),
            ("defaults", self.defaults),
        ]
        for where, rules in found:
            if rules is not None and rules.level is not None:
                return rules.level, f"{where}.{rules.level_key}"
        built_in = Autonomy.AUTO if kind in NO_APPROVAL_BY_DEFAULT else Autonomy.APPROVE
        return built_in, "built-in"

    def requires_approval(self, kind: ActionKind, service: str | None = None) -> bool:
        """Whether ``kind`` (on ``service``, when known) needs a human: anything the policy
        does not let the bot run on its own (``approve``, or ``suggest``: done by hand)."""
        return kind in ALWAYS_APPROVED or self.autonomy(kind, service)[0] is not Autonomy.AUTO

    def approvers(self, kind: ActionKind, service: str) -> tuple[str, ...]:
        """Who may approve ``kind`` on ``service``: user ids, group ids and ``@handles``."""
        for rules in self._scopes(kind, service):
            if rules.approvers is not None:
                return rules.approvers
        return ()

    def allows_self_approval(self, kind: ActionKind, service: str) -> bool:
        for rules in self._scopes(kind, service):
            if rules.allow_self_approval is not None:
                return rules.allow_self_approval
        return False

    def approval_refusal(
        self,
        *,
        kind: ActionKind,
        service: str,
        approver: str,
        approver_groups: frozenset[str],
        requester: str,
    ) -> Refusal | None:
        """Why ``approver`` (in ``approver_groups``: ids and handles) may not approve ``kind``
        on ``service`` asked for by ``requester``; None when they may."""
        approvers = self.approvers(kind, service)
        if not includes(approvers, user=approver, groups=approver_groups):
            return Refusal("approvers", reasons.approver_not_allowed(kind, service, approvers))
        if approver == requester and not self.allows_self_approval(kind, service):
            return Refusal("self_approval", reasons.self_approval())
        return None

    # --- guardrails ----------------------------------------------------------------------------

    def guard(self, request: GuardRequest) -> Refusal | None:
        """The first guardrail that refuses ``request``, in this order: the kill switch, a
        change freeze, the scale limits, the restart limits; None when all allow it."""
        if request.kill_switch:
            return Refusal("kill_switch", reasons.kill_switch_engaged())
        return (
            self._freeze_refusal(request)
            or self._scale_refusal(request)
            or self._restart_refusal(request)
        )

    def dry_run_refusal(self) -> Refusal | None:
        """In dry-run-only mode, the refusal to show instead of running an action."""
        return Refusal("dry_run", reasons.dry_run()) if self.dry_run else None

    def max_scale_factor(self, service: str) -> float:
        """The most one scale action may multiply ``service``'s replicas by."""
        found = (r.max_scale_factor for r in self._scale_rules(service))
        return next((value for value in found if value is not None), DEFAULT_MAX_SCALE_FACTOR)

    def max_replicas(self, service: str) -> int | None:
        """The most replicas a scale action may ask for; None: no ceiling but the factor."""
        found = (r.max_replicas for r in self._scale_rules(service))
        return next((value for value in found if value is not None), None)

    def allows_scale_to_zero(self, service: str) -> bool:
        found = (r.allow_scale_to_zero for r in self._scale_rules(service))
        return next((value for value in found if value is not None), False)

    def max_restarts_per_hour(self, service: str) -> int:
        found = (r.max_per_hour for r in self._restart_rules(service))
        return next((value for value in found if value is not None), DEFAULT_MAX_RESTARTS_PER_HOUR)

    def one_pod_at_a_time(self, service: str) -> bool:
        found = (r.one_pod_at_a_time for r in self._restart_rules(service))
        return next((value for value in found if value is not None), True)

    def freeze_until(
        self,
        *,
        kind: ActionKind,
        service: str,
        now: datetime,
        calendar: Sequence[ChangeWindow] = (),
    ) -> tuple[datetime, str | None] | None:
        """When the change freeze that covers ``kind`` on ``service`` at ``now`` ends, and its
        note; None when no freeze does. The policy's own windows come first, then the
        calendar's freezes (unless ``change_freeze.from_calendar`` is false)."""
        now = now.astimezone(UTC)
        for window in self.change_freeze.windows:
            stretch = window.occurrence(service, kind, now)
            if stretch is not None:
                return stretch[1], window.note
        if self.change_freeze.from_calendar:
            for entry in calendar:
                if entry.kind is ChangeWindowKind.FREEZE and entry.covers(service, now):
                    return entry.end, entry.note
        return None

    def _freeze_refusal(self, request: GuardRequest) -> Refusal | None:
        freeze = self.freeze_until(
            kind=request.kind.action_kind,
            service=request.service,
            now=request.now,
            calendar=request.calendar,
        )
        if freeze is None:
            return None
        until, note = freeze
        return Refusal("change_freeze", reasons.change_freeze(request.service, until, note))

    def _scale_refusal(self, request: GuardRequest) -> Refusal | None:
        if request.kind is not ClusterActionKind.SCALE or request.desired_replicas is None:
            return None
        service, desired, current = (
            request.service,
            request.desired_replicas,
            request.current_replicas,
        )
        if desired == 0 and not self.allows_scale_to_zero(service):
            return Refusal("actions.scale.allow_scale_to_zero", reasons.scale_to_zero(service))
        if current is None:
            return Refusal("actions.scale.max_scale_factor", reasons.replicas_unknown())
        if desired <= current:
            return None  # scaling in: neither limit is about it
        factor = self.max_scale_factor(service)
        # From zero there is no base to multiply: the step counts from one replica. Exact
        # arithmetic, so 23 replicas from 20 at a 1.15x limit is allowed.
        if Fraction(desired, max(current, 1)) > Fraction(str(factor)):
            return Refusal(
                "actions.scale.max_scale_factor", reasons.scale_factor(current, desired, factor)
            )
        ceiling = self.max_replicas(service)
        if ceiling is not None and desired > ceiling:
            return Refusal(
                "actions.scale.max_replicas", reasons.too_many_replicas(desired, ceiling)
            )
        return None

    def _restart_refusal(self, request: GuardRequest) -> Refusal | None:
        if request.kind not in (ClusterActionKind.RESTART, ClusterActionKind.DELETE_POD):
            return None
        service = request.service
        limit = self.max_restarts_per_hour(service)
        if request.restarts_in_last_hour >= limit:
            return Refusal(
                "actions.restart.max_per_hour",
                reasons.restarts_per_hour(service, request.restarts_in_last_hour, limit),
            )
        if (
            request.kind is ClusterActionKind.DELETE_POD
            and request.pod_actions_in_flight > 0
            and self.one_pod_at_a_time(service)
        ):
            return Refusal("actions.restart.one_pod_at_a_time", reasons.one_pod_at_a_time(service))
        return None

    # --- who may turn the kill switch, start a postmortem --------------------------------------

    def kill_switch_refusal(
        self, *, engage: bool, user: str, user_groups: frozenset[str]
    ) -> Refusal | None:
        """Why ``user`` may not engage (``engage``) or release the kill switch; None when they
        may. Anyone may engage it unless ``kill_switch.anyone_may_engage`` is false; only the
        operators may release it; with no operators listed anyone may do either."""
        operators = self.kill_switch.operators
        if not operators or (engage and self.kill_switch.anyone_may_engage):
            return None
        if includes(operators, user=user, groups=user_groups):
            return None
        return Refusal("kill_switch.operators", reasons.kill_switch_not_operator(operators))

    def postmortem_refusal(
        self, *, user: str, user_groups: frozenset[str], is_commander: bool
    ) -> Refusal | None:
        """Why ``user`` may not start the incident's postmortem: only its commander and those
        ``postmortem.allowed`` names may; with no list, anyone may."""
        allowed = self.postmortem.allowed
        if is_commander or allowed is None or includes(allowed, user=user, groups=user_groups):
            return None
        return Refusal("postmortem.allowed", reasons.postmortem_not_allowed(allowed))

    # --- lookup --------------------------------------------------------------------------------

    def _scopes(self, kind: ActionKind, service: str) -> list[ActionRules | ScopeRules]:
        """Every section that may name approvers for ``kind`` on ``service``, most specific
        first."""
        scope = self.services.get(service)
        found: list[ActionRules | ScopeRules | None] = [
            scope.actions.of(kind) if scope is not None else None,
            scope,
            self.defaults.actions.of(kind),
            self.defaults,
        ]
        return [rules for rules in found if rules is not None]

    def _scale_rules(self, service: str) -> list[ScaleRules]:
        scope = self.services.get(service)
        own = scope.actions.scale if scope is not None else None
        found = [own, self.defaults.actions.scale]
        return [rules for rules in found if rules is not None]

    def _restart_rules(self, service: str) -> list[RestartRules]:
        scope = self.services.get(service)
        found = [
            scope.actions.restart if scope is not None else None,
            self.defaults.actions.restart,
        ]
        return [rules for rules in found if rules is not None]
