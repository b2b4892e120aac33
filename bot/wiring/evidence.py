"""The evidence builder: which sources answer each kind of evidence, and the service catalog,
from settings.

Offline, everything is answered from replay scenarios; a configured vendor replaces the replay
for what it knows (GitHub: deploys and code changes; Datadog: metrics, logs, monitors, and
deploys when it is told their tag; Kubernetes: the cluster; the flag and calendar files).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog, load_catalog
from bot.errors import ConfigError
from bot.evidence.gather import EvidenceSources
from bot.evidence.neighbours import with_neighbours
from bot.history.source import StoredHistory
from bot.scenario.loader import load_scenarios
from bot.scenario.models import Scenario
from bot.settings import Settings
from integrations.backstage import load_backstage_catalog
from integrations.change_files import CalendarFileSource, FlagFileSource
from integrations.codeowners import CodeOwnersFallback, load_codeowners
from integrations.datadog import (
    DatadogConnection,
    DatadogDeploys,
    DatadogLogs,
    DatadogMetrics,
    DatadogMonitors,
)
from integrations.github import GitHubConnection, GitHubEvidence
from integrations.kubernetes import KubeConnection, KubernetesEvidence
from integrations.replay import ReplayEvidence

__all__ = [
    "SHIPPED_SCENARIOS",
    "Evidence",
    "build_evidence",
    "datadog_evidence",
    "github_evidence",
    "kube_connection",
    "kubernetes_evidence",
    "live_scenarios",
    "pipeline_sources",
    "replay_evidence",
    "service_catalog",
]

log = logging.getLogger(__name__)

SHIPPED_SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@dataclass(frozen=True, slots=True)
class Evidence:
    """The sources per kind, the catalog, and what must be closed at stop."""

    sources: EvidenceSources
    catalog: Catalog
    datadog: DatadogConnection | None = None

    async def close(self) -> None:
        if self.datadog is not None:
            await self.datadog.close()


def live_scenarios(settings: Settings, known_runbooks: frozenset[str]) -> list[Scenario]:
    """The scenarios a running bot replays from: ``REPLAY_SCENARIOS``, else the shipped ones."""
    return load_scenarios(
        settings.replay_scenarios or [SHIPPED_SCENARIOS], known_runbooks=known_runbooks
    )


def replay_evidence(scenarios: Sequence[Scenario]) -> tuple[EvidenceSources, Catalog]:
    """Evidence and catalog answered from replay scenarios (the offline default)."""
    replay = ReplayEvidence(scenarios)
    catalog = Catalog(())
    for scenario in scenarios:
        catalog = catalog.merged(scenario.to_catalog())
    sources = EvidenceSources(
        deploys=[replay],
        metrics=[replay],
        logs=[replay],
        cluster=[replay],
        flags=[replay],
        calendar=[replay],
        traces=[replay],
        history=[replay],
    )
    return sources, catalog


def service_catalog(settings: Settings, replayed: Catalog) -> Catalog:
    """The catalog in its order of precedence: ``CATALOG_PATH`` first, then the replay
    scenarios' catalogs, then Backstage descriptors, and CODEOWNERS for any service none of
    them lists. A bad file is a :class:`ConfigFileError` naming file, line and key."""
    catalog = replayed
    if settings.backstage_catalog_paths:
        catalog = load_backstage_catalog(settings.backstage_catalog_paths).merged(catalog)
    if settings.catalog_path is not None:
        catalog = catalog.merged(load_catalog(settings.catalog_path))
    if settings.codeowners_paths:
        rules = [load_codeowners(path) for path in settings.codeowners_paths]
        catalog = catalog.with_fallback(
            CodeOwnersFallback(rules, service_path=settings.codeowners_service_path)
        )
    return catalog


def github_evidence(settings: Settings, catalog: Catalog) -> GitHubEvidence | None:
    """Deploys and code changes from GitHub when ``GITHUB_TOKEN`` is set, within the evidence
    deadline."""
    if settings.github_token is None:
        return None
    deadline = settings.evidence_deadline_seconds
    return GitHubEvidence(
        connection=GitHubConnection(
            token=settings.github_token, api_url=settings.github_api_url, timeout=deadline
        ),
        catalog=catalog,
        environment=settings.github_environment,
        deadline=deadline,
    )


def datadog_evidence(
    settings: Settings, sources: EvidenceSources
) -> tuple[EvidenceSources, DatadogConnection]:
    """``sources`` with metrics, logs and the state of the alerting monitors answered by
    Datadog (``settings.datadog`` must be true), and deploys too when ``DD_DEPLOY_EVENT_TAG``
    names the tag of deploy events and no ``GITHUB_TOKEN`` is set (GitHub's deploys know their
    files, so whether they migrate; Datadog events do not). Close the returned connection when
    the bot stops."""
    if settings.dd_api_key is None or settings.dd_app_key is None:
        raise ConfigError("Datadog evidence needs DD_API_KEY and DD_APP_KEY")
    connection = DatadogConnection(
        api_key=settings.dd_api_key.get_secret_value(),
        app_key=settings.dd_app_key.get_secret_value(),
        site=settings.dd_site,
        base_url=settings.dd_api_url,
        request_timeout=settings.evidence_deadline_seconds,
    )
    datadog_sources = replace(
        sources,
        metrics=[DatadogMetrics(connection, settings.dd_metric_queries)],
        logs=[DatadogLogs(connection, search=settings.dd_log_query, limit=settings.dd_log_limit)],
        monitors=[DatadogMonitors(connection)],
    )
    if settings.dd_deploy_event_tag is not None and settings.github_token is None:
        datadog_sources = replace(
            datadog_sources,
            deploys=[DatadogDeploys(connection, marker=settings.dd_deploy_event_tag)],
        )
    return datadog_sources, connection


def kube_connection(settings: Settings) -> KubeConnection:
    """The Kubernetes API server the settings name (URL and token, or a kubeconfig)."""
    token = settings.kube_token.get_secret_value() if settings.kube_token else None
    return KubeConnection(
        api_url=settings.kube_api_url,
        token=token,
        ca_file=settings.kube_ca_file,
        kubeconfig=settings.kube_config_path,
        context=settings.kube_context,
    )


def kubernetes_evidence(settings: Settings) -> KubernetesEvidence | None:
    """The Kubernetes source when settings name an API server, else None; a kubeconfig that
    cannot be used is a :class:`ConfigError` naming it."""
    if not settings.kubernetes:
        return None
    return KubernetesEvidence(
        kube_connection(settings), deadline=settings.evidence_deadline_seconds
    )


def _with_vendors(
    settings: Settings, sources: EvidenceSources, catalog: Catalog
) -> tuple[EvidenceSources, Catalog]:
    kubernetes = kubernetes_evidence(settings)
    if kubernetes is not None:  # a real cluster answers alone: replay's would mix in
        sources = replace(sources, cluster=[kubernetes])
    if settings.flags_path is not None:
        sources = replace(sources, flags=[FlagFileSource(settings.flags_path)])
    if settings.change_calendar_path is not None:
        sources = replace(sources, calendar=[CalendarFileSource(settings.change_calendar_path)])
    catalog = service_catalog(settings, catalog)
    github = github_evidence(settings, catalog)
    if github is not None:
        sources = replace(sources, deploys=[github], changes=[github])
    return sources, catalog


def _with_datadog(
    settings: Settings, sources: EvidenceSources
) -> tuple[EvidenceSources, DatadogConnection | None]:
    if not settings.datadog:
        return sources, None
    sources, connection = datadog_evidence(settings, sources)
    if settings.dd_deploy_event_tag is not None and settings.github_token is not None:
        log.warning("DD_DEPLOY_EVENT_TAG is ignored: deploys come from GitHub (GITHUB_TOKEN)")
    deploys_too = any(isinstance(source, DatadogDeploys) for source in sources.deploys)
    what = "metrics, logs and deploys" if deploys_too else "metrics and logs"
    log.info("%s from Datadog (%s)", what, settings.dd_api_url or settings.dd_site)
    return sources, connection


def build_evidence(
    settings: Settings,
    scenarios: Callable[[], Sequence[Scenario]],
    *,
    given: tuple[EvidenceSources, Catalog] | None = None,
) -> Evidence:
    """The live bot's evidence: ``given`` as it is (a test's or the demo's), else the replay of
    ``scenarios()`` with each configured vendor in its place, and the catalog from the settings'
    files."""
    if given is not None:
        return Evidence(sources=given[0], catalog=given[1])
    sources, catalog = _with_vendors(settings, *replay_evidence(scenarios()))
    sources, datadog = _with_datadog(settings, sources)
    return Evidence(sources=sources, catalog=catalog, datadog=datadog)


def pipeline_sources(
    evidence: Evidence, sessions: async_sessionmaker[AsyncSession]
) -> EvidenceSources:
    """What the pipeline gathers from: the sources, the incidents this bot resolved before
    (history), and the neighbouring services' evidence the catalog points to."""
    sources = evidence.sources
    history = StoredHistory(sessions, evidence.catalog)
    return with_neighbours(replace(sources, history=(*sources.history, history)), evidence.catalog)
