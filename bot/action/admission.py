"""Which requests may become actions at all, before any plan is stored: a config change only to
a key a runbook declares changeable for the service, to one of its values; nothing the policy
only suggests. Pure functions of the request, the runbooks and the autonomy decision."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.action import wording
from bot.action.context import ActionContext
from bot.action.plan import ClusterActionKind
from bot.policy import Autonomy, AutonomyDecision, Refusal
from bot.runbook.targets import target_for

if TYPE_CHECKING:
    from bot.action.flows import ActionRequest

__all__ = ["suggest_only", "undeclared_change"]


def undeclared_change(ctx: ActionContext, request: ActionRequest) -> Refusal | None:
    """A config change is allowed only to a key some runbook declares changeable for the
    service, and only to one of the values it lists (:mod:`bot.runbook.targets`)."""
    if request.kind not in (ClusterActionKind.CONFIG_CHANGE, ClusterActionKind.SET_ENV):
        return None
    env = request.kind is ClusterActionKind.SET_ENV
    key, value = request.parameters.key, request.parameters.value
    for runbook in ctx.runbooks or ():
        for step in runbook.front.actions:
            target = target_for(step.targets, request.service)
            if (
                target is not None
                and (target.deployment if env else target.configmap) == request.name
                and target.variable == key
                and value in (target.values or ())
            ):
                return None
    return Refusal(
        "runbook.targets", wording.undeclared_change(request.name, key or "", value or "")
    )


def suggest_only(decision: AutonomyDecision, request: ActionRequest) -> Refusal | None:
    """The refusal of an action the policy only suggests (no button, nothing runs it)."""
    if decision.level is not Autonomy.SUGGEST:
        return None
    kind = request.kind.action_kind
    return Refusal(decision.rule, wording.suggest_only(kind.label, request.service))
