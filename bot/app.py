"""The composition root: the one place that builds the real objects from settings and hands them
in. It is the only core module allowed to import ``handlers`` and ``integrations``.

:class:`Runtime` is the running bot: database (migrated at start), the pipeline worker, the Bolt
app over Socket Mode, the webhook server and, in sandbox mode, the local Slack emulator. ``serve``
runs one until SIGTERM/SIGINT; the demo and the end-to-end tests start one in-process.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Literal

import aiohttp
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.action.context import ActionContext
from bot.action.ports import ClusterActions
from bot.action.recovery import RecoveryCheck
from bot.action.sweep import sweep_forever
from bot.audit.runtime import DigestSchedule, configure_audit
from bot.catalog import Catalog, load_catalog
from bot.clock import Clock, SystemClock
from bot.db import create_engine, create_session_factory, upgrade_database
from bot.errors import ConfigError
from bot.evidence.gather import EvidenceSources
from bot.evidence.late import LateArrival, LateEvidence
from bot.evidence.neighbours import with_neighbours
from bot.history.source import StoredHistory
from bot.incident.context import PipelineContext
from bot.incident.packet import late_evidence_arrived
from bot.narrator import Narrator, NarratorLimits, NarratorSetup
from bot.outcomes.service import read_report
from bot.pipeline import PipelineWorker
from bot.policy import DEFAULT_POLICY, SHIPPED_POLICY, Policy, load_policy
from bot.runbook.loader import SHIPPED_RUNBOOKS, RunbookLibrary, load_runbooks
from bot.scenario.loader import load_scenarios
from bot.scenario.models import (
    Cluster,
    ClusterConfigMap,
    ClusterCronJob,
    ClusterDeployment,
    ClusterEvent,
    ClusterPod,
    Scenario,
)
from bot.settings import Settings
from bot.signal.sources.common import SourceOptions
from bot.telemetry.outbox import actions_by_state, outbox_depth
from bot.transactions import TransactionRunner
from handlers.operations import InFlightRequests, OperationsDeps, add_operations_routes
from handlers.sandbox import SandboxDeps, add_sandbox_routes
from handlers.sandbox.routes import INCIDENTS_PATH
from handlers.slack import SlackDeps, SocketModeConnection, build_slack_app
from handlers.webhooks import WebhookDeps, add_webhook_routes
from integrations.anthropic import ClaudeModel
from integrations.backstage import load_backstage_catalog
from integrations.change_files import CalendarFileSource, FlagFileSource
from integrations.charts import MatplotlibCharts
from integrations.codeowners import CodeOwnersFallback, load_codeowners
from integrations.datadog import (
    DatadogConnection,
    DatadogDeploys,
    DatadogLogs,
    DatadogMetrics,
    DatadogMonitors,
)
from integrations.github import GitHubConnection, GitHubEvidence
from integrations.kube_emulator import KubeEmulator, KubeEmulatorConfig
from integrations.kubernetes import KubeConnection, KubernetesActions, KubernetesEvidence
from integrations.prometheus import PrometheusMetrics
from integrations.replay import ReplayEvidence
from integrations.slack.actions import SlackActionChat
from integrations.slack.client import build_web_client
from integrations.slack.home import home_view
from integrations.slack.outgoing import outgoing_guard
from integrations.slack.people import SlackDirectory
from integrations.slack_emulator import EmulatorConfig, SlackEmulator

__all__ = [
    "SHIPPED_SCENARIOS",
    "Runtime",
    "datadog_evidence",
    "github_evidence",
    "kubernetes_evidence",
    "narrator_from",
    "narrator_setup",
    "replay_evidence",
    "sandbox_cluster",
    "serve",
    "service_catalog",
    "start_runtime",
]

log = logging.getLogger(__name__)

SHIPPED_SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    transactions: TransactionRunner
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    worker: PipelineWorker
    socket_mode: SocketModeConnection
    web_runner: web.AppRunner
    webhook_url: str
    metrics: PrometheusMetrics
    stopping: asyncio.Event
    in_flight: InFlightRequests
    emulator: SlackEmulator | None = None
    datadog: DatadogConnection | None = None
    late_evidence: LateEvidence | None = None
    kube_emulator: KubeEmulator | None = None
    slack_http: aiohttp.ClientSession | None = None
    actions: ActionContext | None = None
    sweeper: asyncio.Task[None] | None = None
    policy: Policy = DEFAULT_POLICY  # as loaded at start: the approval flow decides by it
    narrator: Narrator | None = None
    audit_digests: DigestSchedule | None = None
    _stopped: bool = field(default=False, repr=False)

    async def stop(self) -> None:
        """Shut down in order, each step bounded by ``SHUTDOWN_GRACE_SECONDS``: report not
        ready, stop listening and let in-flight webhooks answer, let the pipeline finish its
        current steps, then close the socket to Slack, the emulator and the database."""
        if self._stopped:
            return
        self._stopped = True
        self.stopping.set()
        grace = self.settings.shutdown_grace_seconds
        for site in list(self.web_runner.sites):
            await site.stop()  # the listener only: started requests go on reading their body
        if not await self.in_flight.drain(timeout=grace):
            log.warning("%d webhook requests cut after %gs", self.in_flight.count, grace)
        await self.web_runner.cleanup()
        await self.worker.stop(grace=self.settings.shutdown_grace_seconds)
        if self.sweeper is not None:
            self.sweeper.cancel()
            await asyncio.gather(self.sweeper, return_exceptions=True)
        await self.socket_mode.close_async()  # type: ignore[no-untyped-call]  # Bolt is untyped here
        if self.slack_http is not None:
            await self.slack_http.close()
        if self.emulator is not None:
            await self.emulator.stop()
        if self.kube_emulator is not None:
            await self.kube_emulator.stop()
        if self.datadog is not None:
            await self.datadog.close()
        if self.narrator is not None:
            await self.narrator.close()
        if self.audit_digests is not None:
            await self.audit_digests.stop()  # after the last write: it records every chain's end
        await self.transactions.close()
        await self.engine.dispose()


def narrator_setup(settings: Settings) -> NarratorSetup | None:
    """Claude and its limits from settings when ``ANTHROPIC_API_KEY`` is set, else None."""
    if settings.anthropic_api_key is None:
        return None
    model = ClaudeModel(
        api_key=settings.anthropic_api_key,
        model=settings.narrator_model,
        base_url=settings.anthropic_base_url,
        timeout=settings.narrator_timeout_seconds,
    )
    limits = NarratorLimits(
        max_tokens=settings.narrator_max_tokens,
        retry_budget_seconds=settings.narrator_retry_budget_seconds,
        max_attempts=settings.narrator_retry_attempts,
        price_input_per_million=settings.narrator_price_input_per_million,
        price_output_per_million=settings.narrator_price_output_per_million,
    )
    return NarratorSetup(model, limits)


def narrator_from(
    settings: Settings, *, sessions: async_sessionmaker[AsyncSession] | None, clock: Clock
) -> Narrator | None:
    """Claude as the narrator when ``ANTHROPIC_API_KEY`` is set; None otherwise (the bot then
    writes everything itself and the packet's footer says so)."""
    setup = narrator_setup(settings)
    if setup is None:
        return None
    log.info("narrator: %s (%s)", settings.narrator_model, settings.anthropic_base_url or "api")
    return Narrator(model=setup.model, sessions=sessions, clock=clock, limits=setup.limits)


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


def _kube_connection(settings: Settings) -> KubeConnection:
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
        _kube_connection(settings), deadline=settings.evidence_deadline_seconds
    )


def sandbox_cluster(scenarios: Sequence[Scenario]) -> Cluster:
    """The scenarios' ``cluster`` sections as one seed for the sandbox's Kubernetes emulator;
    an object two scenarios both describe is taken from the first."""
    seen: set[tuple[str, str, str]] = set()
    deployments: list[ClusterDeployment] = []
    pods: list[ClusterPod] = []
    events: list[ClusterEvent] = []
    config_maps: list[ClusterConfigMap] = []
    cron_jobs: list[ClusterCronJob] = []
    for scenario in scenarios:
        for deployment in scenario.cluster.deployments:
            if ("deployment", deployment.namespace, deployment.name) not in seen:
                seen.add(("deployment", deployment.namespace, deployment.name))
                deployments.append(deployment)
        for pod in scenario.cluster.pods:
            if ("pod", pod.namespace, pod.name) not in seen:
                seen.add(("pod", pod.namespace, pod.name))
                pods.append(pod)
        events.extend(scenario.cluster.events)
        for config_map in scenario.cluster.config_maps:
            if ("configmap", config_map.namespace, config_map.name) not in seen:
                seen.add(("configmap", config_map.namespace, config_map.name))
                config_maps.append(config_map)
        for cron_job in scenario.cluster.cron_jobs:
            if ("cronjob", cron_job.namespace, cron_job.name) not in seen:
                seen.add(("cronjob", cron_job.namespace, cron_job.name))
                cron_jobs.append(cron_job)
    return Cluster(
        deployments=tuple(deployments),
        pods=tuple(pods),
        events=tuple(events),
        config_maps=tuple(config_maps),
        cron_jobs=tuple(cron_jobs),
    )


def _default_evidence(
    settings: Settings, runbooks: RunbookLibrary
) -> tuple[EvidenceSources, Catalog]:
    paths = settings.replay_scenarios or [SHIPPED_SCENARIOS]
    sources, catalog = replay_evidence(load_scenarios(paths, known_runbooks=runbooks.ids))
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


async def start_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    evidence: tuple[EvidenceSources, Catalog] | None = None,
    policy: Policy | None = None,
    emulator_config: EmulatorConfig | None = None,
    poll_interval: float = 1.0,
    runbook_folders: Sequence[Path] | None = None,
    runbook_selection: Literal["default"] | Sequence[str] = "default",
    cluster_seed: Cluster | None = None,
) -> Runtime:
    """Build and start everything; raise :class:`ConfigError` before anything listens when the
    configuration cannot work (a bad runbook file is found before anything is even built).

    ``runbook_folders`` defaults to the shipped ``runbooks/`` and then ``RUNBOOK_PATHS``;
    ``runbook_selection`` is a scenario's ``runbooks`` key (the demo replays one scenario).
    Actions run on the cluster the settings name; in sandbox mode without one, on the local
    Kubernetes emulator seeded with ``cluster_seed`` (default: the replay scenarios' clusters).
    ``policy`` defaults to the file at ``POLICY_PATH``, else the shipped default policy.
    """
    clock = clock or SystemClock()
    audit_keys = configure_audit(settings)  # a bad AUDIT_SIGNING_KEY stops here
    if runbook_folders is None:
        runbook_folders = (SHIPPED_RUNBOOKS, *settings.runbook_paths)
    library = load_runbooks(runbook_folders)
    if policy is None:
        policy = load_policy(settings.policy_path or SHIPPED_POLICY)
        log.info("policy from %s%s", policy.source, " (dry-run only)" if policy.dry_run else "")
    runbooks = library.selected(runbook_selection)
    sources, catalog = evidence or _default_evidence(settings, library)
    datadog: DatadogConnection | None = None
    if evidence is None and settings.datadog:
        sources, datadog = datadog_evidence(settings, sources)
        if settings.dd_deploy_event_tag is not None and settings.github_token is not None:
            log.warning("DD_DEPLOY_EVENT_TAG is ignored: deploys come from GitHub (GITHUB_TOKEN)")
        deploys_too = any(isinstance(source, DatadogDeploys) for source in sources.deploys)
        what = "metrics, logs and deploys" if deploys_too else "metrics and logs"
        log.info("%s from Datadog (%s)", what, settings.dd_api_url or settings.dd_site)
    engine = create_engine(settings.database_url)
    await upgrade_database(engine)
    sessions = create_session_factory(engine)
    transactions = TransactionRunner(engine)
    audit_digests = None
    if audit_keys.signer is not None:
        audit_digests = DigestSchedule(
            sessions=sessions,
            signer=audit_keys.signer,
            folder=settings.audit_digest_dir,
            clock=clock,
            interval=settings.audit_digest_seconds,
        )
        try:
            await audit_digests.start()
        except ConfigError:
            await transactions.close()
            await engine.dispose()
            raise

    emulator: SlackEmulator | None = None
    if settings.sandbox:
        emulator = SlackEmulator(
            emulator_config or EmulatorConfig(port=settings.slack_emulator_port)
        )
        await emulator.start()
        bot_token, app_token = emulator.config.bot_token, emulator.config.app_token
        base_url: str | None = emulator.api_url
    else:
        if settings.slack_bot_token is None or settings.slack_app_token is None:
            raise ConfigError("SLACK_BOT_TOKEN and SLACK_APP_TOKEN must both be set")
        bot_token = settings.slack_bot_token.get_secret_value()
        app_token = settings.slack_app_token.get_secret_value()
        base_url = settings.slack_api_url

    metrics = PrometheusMetrics()
    # One connection pool for every Web API call (see build_web_client); closed at stop.
    slack_http = aiohttp.ClientSession()
    client = build_web_client(bot_token, base_url=base_url, metrics=metrics, session=slack_http)
    chat = SlackActionChat(client, metrics=metrics)

    kube_emulator: KubeEmulator | None = None
    cluster_actions: ClusterActions | None = None
    if settings.kubernetes:
        cluster_actions = KubernetesActions(
            _kube_connection(settings), clock=clock, deadline=settings.evidence_deadline_seconds
        )
    elif settings.sandbox:
        if cluster_seed is None:
            paths = settings.replay_scenarios or [SHIPPED_SCENARIOS]
            cluster_seed = sandbox_cluster(load_scenarios(paths, known_runbooks=library.ids))
        kube_emulator = KubeEmulator(KubeEmulatorConfig(clock=clock), cluster_seed)
        await kube_emulator.start()
        cluster_actions = KubernetesActions(
            KubeConnection(api_url=kube_emulator.base_url, token=kube_emulator.config.token),
            clock=clock,
            deadline=settings.evidence_deadline_seconds,
        )

    async def arrived(arrival: LateArrival) -> None:
        if await late_evidence_arrived(arrival, sessions=sessions, clock=clock):
            worker.wake()

    narrator = narrator_from(settings, sessions=sessions, clock=clock)
    late = None
    if settings.evidence_late_seconds > 0:
        late = LateEvidence(limit=settings.evidence_late_seconds, on_arrival=arrived)
    worker = PipelineWorker(
        sessions=sessions,
        chat=chat,
        context=PipelineContext(
            # The incidents this bot resolved before are evidence too (history).
            sources=with_neighbours(
                replace(sources, history=(*sources.history, StoredHistory(sessions, catalog))),
                catalog,
            ),
            catalog=catalog,
            policy=policy,
            runbooks=runbooks,
            deadline=settings.evidence_deadline_seconds,
            correlation_window=timedelta(minutes=settings.correlation_window_minutes),
            packet_update_interval=timedelta(seconds=settings.packet_update_interval_seconds),
            lease=timedelta(seconds=settings.slack_lease_seconds),
            metrics=metrics,
            charts=MatplotlibCharts(),
            late=late,
            narrator=narrator,
        ),
        clock=clock,
        poll_interval=poll_interval,
    )

    def namespace_of(service: str) -> str | None:
        entry = catalog.get(service)
        return entry.namespace if entry is not None else None

    actions: ActionContext | None = None
    if cluster_actions is not None:
        actions = ActionContext(
            sessions=sessions,
            cluster=cluster_actions,
            chat=chat,
            policy=policy,
            clock=clock,
            sources=sources,
            recovery=RecoveryCheck(
                sessions=sessions,
                sources=sources,
                clock=clock,
                window=settings.recovery_window_seconds,
                poll_interval=min(5.0, max(0.2, settings.recovery_window_seconds / 10)),
            ),
            verify_deadline=settings.action_verify_seconds,
            owner_group=lambda service: (
                entry.slack_group if (entry := catalog.get(service)) else None
            ),
            runbooks=runbooks,
            namespace_of=namespace_of,
        )

    slack_app = build_slack_app(
        client,
        SlackDeps(
            sessions=sessions,
            clock=clock,
            outgoing=outgoing_guard,
            home_view=lambda standing, now: home_view(standing, now=now),
            postmortem_chat=chat,
            directory=SlackDirectory(client),
            on_change=worker.wake,
            actions=actions,
            namespace_of=namespace_of,
            policy=policy,
            groups_of=chat.groups_of,
            pipeline=worker.context,
            chat=worker.chat,
            catalog=catalog,
        ),
    )
    socket_mode = SocketModeConnection(slack_app, app_token)

    def secret_for(source: str) -> str | None:
        secret = settings.webhook_secret(source)
        return secret.get_secret_value() if secret is not None else None

    web_app = web.Application(client_max_size=settings.webhook_max_body_bytes + 1)
    add_webhook_routes(
        web_app,
        WebhookDeps(
            sessions=sessions,
            transactions=transactions,
            clock=clock,
            secret_for=secret_for,
            max_body_bytes=settings.webhook_max_body_bytes,
            max_alerts_per_delivery=settings.webhook_max_alerts_per_delivery,
            max_alerts_per_source_minute=settings.webhook_max_alerts_per_source_minute,
            on_accepted=worker.signals_accepted,
            source_options=SourceOptions(
                github_deploy_workflows=tuple(settings.github_deploy_workflows)
            ),
            catalog=catalog,
        ),
    )
    stopping = asyncio.Event()
    in_flight = InFlightRequests()

    async def exposition() -> tuple[bytes, str]:
        try:
            async with sessions() as session:
                metrics.outbox(await outbox_depth(session))
                metrics.actions(await actions_by_state(session))
                metrics.outcomes(await read_report(session, since=None, until=clock.now()))
        except (SQLAlchemyError, OSError) as exc:
            # The other metrics still matter when the database does not answer.
            log.warning("database figures not read for /metrics: %s", type(exc).__name__)
        return metrics.exposition()

    add_operations_routes(
        web_app,
        OperationsDeps(
            sessions=sessions,
            slack_connected=socket_mode.connected,
            stopping=stopping.is_set,
            metrics=metrics,
            exposition=exposition,
            in_flight=in_flight,
        ),
    )
    if emulator is not None:  # the sandbox console's incidents, read-only
        add_sandbox_routes(web_app, SandboxDeps(sessions=sessions, clock=clock))
    runner = web.AppRunner(
        web_app, access_log=None, shutdown_timeout=settings.shutdown_grace_seconds
    )
    await runner.setup()
    site = web.TCPSite(runner, settings.host, settings.port)
    await site.start()
    host, port = runner.addresses[0][:2]
    webhook_url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    if emulator is not None:
        emulator.console.incidents_url = f"{webhook_url}{INCIDENTS_PATH}"

    await socket_mode.connect_async()  # type: ignore[no-untyped-call]  # Bolt is untyped here
    worker.start()
    worker.wake()  # resume whatever a previous process left in the outbox
    sweeper = None
    if actions is not None:
        sweeper = asyncio.create_task(
            sweep_forever(actions, interval=settings.action_sweep_seconds), name="action-sweep"
        )
    log.info(
        "incident bot ready: webhooks on %s, %s",
        webhook_url,
        f"Slack emulator on {emulator.base_url}" if emulator else "Slack over Socket Mode",
    )
    return Runtime(
        settings=settings,
        engine=engine,
        transactions=transactions,
        sessions=sessions,
        clock=clock,
        worker=worker,
        socket_mode=socket_mode,
        web_runner=runner,
        webhook_url=webhook_url,
        metrics=metrics,
        stopping=stopping,
        in_flight=in_flight,
        emulator=emulator,
        datadog=datadog,
        late_evidence=late,
        kube_emulator=kube_emulator,
        slack_http=slack_http,
        actions=actions,
        sweeper=sweeper,
        policy=policy,
        narrator=narrator,
        audit_digests=audit_digests,
    )


async def serve(settings: Settings) -> None:
    """Run the bot until SIGTERM or SIGINT, then shut down gracefully (see
    :meth:`Runtime.stop`). A signal during start-up stops the bot as soon as it has started."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runtime = await start_runtime(settings)
    if runtime.emulator is not None:
        print(f"Sandbox console: {runtime.emulator.console_url}", flush=True)
    try:
        await stop.wait()
    finally:
        log.info("shutting down", extra={"grace_seconds": settings.shutdown_grace_seconds})
        await runtime.stop()
        log.info("stopped")
