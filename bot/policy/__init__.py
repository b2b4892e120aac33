"""The operator's policy: who may approve which action on which service, the guardrails every
action passes just before it runs, and who may turn the kill switch or start a postmortem.

The policy is a YAML file the operator owns (``POLICY_PATH``; the shipped default is
``bot/policy/default.yaml``), validated at start-up (:mod:`bot.policy.loader`, schema in
:mod:`bot.policy.schemas`). Its decisions (:mod:`bot.policy.rules`) are pure: the caller reads
the kill switch, the recent actions and the change calendar, and passes them in.
"""

from __future__ import annotations

from bot.policy.autonomy import NO_AUTO_MARKERS, AutonomyDecision, autonomy_now
from bot.policy.loader import SHIPPED_POLICY, load_policy, parse_policy
from bot.policy.rules import GuardRequest, Policy, Refusal
from bot.policy.schemas import Autonomy

__all__ = [
    "DEFAULT_POLICY",
    "NO_AUTO_MARKERS",
    "SHIPPED_POLICY",
    "Autonomy",
    "AutonomyDecision",
    "GuardRequest",
    "Policy",
    "Refusal",
    "autonomy_now",
    "load_policy",
    "parse_policy",
]

DEFAULT_POLICY = Policy()
"""The built-in policy (no file): approval for everything but paging and tickets, the default
guardrails, and no approvers, so nothing that needs approval can be approved."""
