"""The sandbox's Kubernetes emulator is seeded with every replay scenario's cluster, each object
once, as the first scenario describing it has it."""

from __future__ import annotations

from bot.runbook.loader import SHIPPED_RUNBOOKS, load_runbooks
from bot.scenario.loader import load_scenarios
from bot.wiring.actions import sandbox_cluster
from bot.wiring.evidence import SHIPPED_SCENARIOS


def test_each_object_is_seeded_once_as_the_first_scenario_has_it() -> None:
    scenarios = load_scenarios(
        [SHIPPED_SCENARIOS], known_runbooks=load_runbooks([SHIPPED_RUNBOOKS]).ids
    )
    seed = sandbox_cluster(scenarios)
    for kind in ("deployments", "pods", "config_maps", "cron_jobs"):
        seeded = getattr(seed, kind)
        keys = [(found.namespace, found.name) for found in seeded]
        assert len(keys) == len(set(keys)), kind
        for found in seeded:
            first = next(
                candidate
                for scenario in scenarios
                for candidate in getattr(scenario.cluster, kind)
                if (candidate.namespace, candidate.name) == (found.namespace, found.name)
            )
            assert found is first
    assert len(seed.events) == sum(len(scenario.cluster.events) for scenario in scenarios)
    assert seed.deployments
