"""Deploys of the service: what changed just before, and what a rollback would go back to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from bot.evidence.kind import Asker, EvidenceKind, EvidenceRequest, Gathered
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import Deploy
from bot.scenario.schemas import Scenario

__all__ = ["KIND", "DeploySource", "ReplayDeploys"]


class DeploySource(Protocol):
    name: str

    async def deploys(self, query: EvidenceQuery) -> Sequence[Deploy]:
        """Deploys of the service that landed in the window."""
        ...


class ReplayDeploys:
    """The scenarios' ``deploys`` of the asked service inside the asked window."""

    name = "replay"

    def __init__(self, scenarios: Sequence[Scenario]) -> None:
        self._scenarios = tuple(scenarios)

    async def deploys(self, query: EvidenceQuery) -> Sequence[Deploy]:
        return [
            Deploy(
                service=deploy.service,
                sha=deploy.sha,
                at=deploy.at,
                author=deploy.author,
                pr=deploy.pr,
                title=deploy.title,
                files=tuple(deploy.files),
                has_migration=deploy.has_migration,
                succeeded=deploy.status == "succeeded",
            )
            for scenario in self._scenarios
            for deploy in scenario.deploys
            if deploy.service == query.service and query.since <= deploy.at <= query.until
        ]


async def _gather(
    sources: Sequence[DeploySource], request: EvidenceRequest, ask: Asker
) -> Gathered:
    found = await ask("deploys", sources, lambda source: source.deploys(request.deploys))
    # "No deploy" is said only when a deploy source answered: a failed one proves nothing.
    checked = len(found.failures) < len(sources)
    return Gathered({"deploys": found.items, "deploys_checked": checked}, found.failures)


KIND: EvidenceKind[DeploySource] = EvidenceKind("deploys", 10, _gather, ReplayDeploys)
