"""Evidence kinds are data: each module of ``bot.evidence.kinds`` declares one, and the sources,
the gather and the replay find it there."""

from __future__ import annotations

import pkgutil
from datetime import UTC, datetime

import pytest

from bot.evidence import kinds
from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.kinds import evidence_kinds, kind_named
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import Deploy
from bot.wiring.evidence import replay_evidence

QUERY = EvidenceQuery(
    "billing", datetime(2026, 3, 4, 9, tzinfo=UTC), datetime(2026, 3, 4, 10, tzinfo=UTC)
)


def test_every_module_in_the_kinds_package_is_a_kind_in_the_registry() -> None:
    modules = {module.name for module in pkgutil.iter_modules(kinds.__path__)}
    assert {kind.name for kind in evidence_kinds()} == modules


def test_sources_are_handed_in_by_kind_name_and_an_unknown_name_is_refused() -> None:
    with pytest.raises(KeyError, match="no evidence kind 'tarot'"):
        EvidenceSources(tarot=[object()])
    sources = EvidenceSources(deploys=["a"]).replace(logs=["b"])
    assert list(sources.of(kind_named("deploys"))) == ["a"]
    assert list(sources.logs) == ["b"]
    assert list(sources.metrics) == []


def test_replay_answers_every_kind_that_declares_a_reader() -> None:
    sources, _ = replay_evidence(())
    readers = {kind.name for kind in evidence_kinds() if kind.replay is not None}
    assert {kind.name for kind in evidence_kinds() if sources.of(kind)} == readers
    assert {"deploys", "metrics", "logs", "cluster", "history"} <= readers


class _Deploys:
    name = "deploy log"

    async def deploys(self, query: EvidenceQuery) -> list[Deploy]:
        return [Deploy(service=query.service, sha="abc1234", at=query.since)]


async def test_the_gather_asks_each_kind_through_its_own_step() -> None:
    bundle = await gather_evidence(QUERY, EvidenceSources(deploys=[_Deploys()]), deadline=1.0)
    assert [deploy.sha for deploy in bundle.deploys] == ["abc1234"]
    assert bundle.deploys_checked
    assert bundle.unavailable == ()
    assert bundle.of("no such field") is None
