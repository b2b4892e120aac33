"""Which actions need a human's approval.

The operator-owned policy file (approvers, guardrails, freeze windows) arrives with the actions
work; until then this default is the whole policy: anything that changes production or speaks
to customers needs approval, paging and ticketing do not.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, field

from bot.action.kinds import ActionKind

__all__ = ["DEFAULT_POLICY", "Policy"]


@dataclass(frozen=True, slots=True)
class Policy:
    approval_required: Set[ActionKind] = field(
        default_factory=lambda: (
            frozenset(ActionKind) - {ActionKind.PAGE_OWNER, ActionKind.OPEN_TICKET}
        )
    )

    def requires_approval(self, kind: ActionKind) -> bool:
        return kind in self.approval_required


DEFAULT_POLICY = Policy()
