"""What the action flows are handed by the composition root."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.executors import Executors, VendorExecutors
from bot.action.ports import ActionChat, ClusterActions
from bot.action.recovery import RecoveryCheck
from bot.clock import Clock
from bot.evidence.gather import EvidenceSources
from bot.pager.paging import OwnerPaging
from bot.policy import Policy
from bot.runbook.loader import RunbookLibrary

__all__ = ["ActionContext", "Reply"]


@dataclass(frozen=True, slots=True)
class ActionContext:
    sessions: async_sessionmaker[AsyncSession]
    cluster: ClusterActions
    chat: ActionChat
    policy: Policy
    clock: Clock
    sources: EvidenceSources  # the change calendar (freeze windows)
    recovery: RecoveryCheck
    verify_deadline: float = 120.0  # seconds for the rollout to finish
    # The user-group handle to page for a service (its owner's on-call), when known.
    owner_group: Callable[[str], str | None] = lambda _service: None
    # An action still executing after this long lost its process (a live one is bounded by
    # the cluster deadlines and the verification windows, far below it).
    stale_after: timedelta = timedelta(minutes=30)
    # An approval no process claimed for this long lost its process (a live one claims it as
    # soon as the click is answered); the sweep then resumes it (bot.action.sweep).
    stranded_after: timedelta = timedelta(minutes=1)
    # The runbooks whose steps the bot may carry out on its own (bot.action.steps), and where
    # the catalog says a service runs.
    runbooks: RunbookLibrary | None = None
    namespace_of: Callable[[str], str | None] = lambda _service: None
    # The vendor executors the settings configure (a status page, an issue tracker...), by
    # the kind each carries out; a kind with none stays a suggestion.
    vendors: VendorExecutors = field(default_factory=VendorExecutors)
    # PagerDuty's Events API v2 for the services that have a routing key: an action that
    # fails or is not verified pages the owner there too, besides the channel mention.
    paging: OwnerPaging | None = None

    @property
    def executors(self) -> Executors:
        """The executor for any kind: the cluster's or a vendor's."""
        return Executors(self.cluster, self.vendors)


@dataclass(frozen=True, slots=True)
class Reply:
    """What the person who typed or clicked is told; ``public`` posts it in the channel."""

    text: str
    public: bool = False
    # Work that follows the reply (running an approved action): the listener answers the
    # click first, then awaits this.
    follow_up: Callable[[], Awaitable[None]] | None = None
