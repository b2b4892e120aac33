"""The composition root's top: :func:`start_runtime` composes the builders of
:mod:`bot.wiring` (database, Slack, evidence, narrator, pipeline, actions, web server) into a
running bot, and :func:`serve` runs one until SIGTERM/SIGINT.

:class:`Runtime` is the running bot: database (migrated at start), the pipeline worker, the Bolt
app over Socket Mode, the webhook server and, in sandbox mode, the local Slack and Kubernetes
emulators. The demo and the end-to-end tests start one in-process.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.action.context import ActionContext
from bot.action.executors import VendorExecutors
from bot.action.sweep import sweep_forever
from bot.audit.runtime import DigestSchedule, configure_audit
from bot.catalog import Catalog
from bot.clock import Clock, SystemClock
from bot.db import Database, open_database
from bot.evidence.gather import EvidenceSources
from bot.evidence.late import LateEvidence
from bot.narrator import Narrator
from bot.pipeline import PipelineWorker
from bot.policy import SHIPPED_POLICY, Policy, load_policy
from bot.runbook.loader import SHIPPED_RUNBOOKS, load_runbooks
from bot.scenario.schemas import Cluster
from bot.settings import Settings
from bot.transactions import TransactionRunner
from bot.wiring.actions import ExecutorSetup, build_actions
from bot.wiring.evidence import SHIPPED_SCENARIOS, Evidence, build_evidence, live_scenarios
from bot.wiring.evidence import replay_evidence as replay_evidence
from bot.wiring.narrator import narrator_from
from bot.wiring.paging import start_paging
from bot.wiring.pipeline import pipeline_worker
from bot.wiring.slack import Slack, socket_mode, start_slack
from bot.wiring.web import WebServer, start_web
from handlers.slack import SocketModeConnection
from integrations.datadog import DatadogConnection
from integrations.kube_emulator import KubeEmulator
from integrations.prometheus import PrometheusMetrics
from integrations.slack_emulator import EmulatorConfig, SlackEmulator

# SHIPPED_SCENARIOS and replay_evidence live in bot.wiring.evidence; they are named here too
# because tests and benchmarks written before the builders moved import them from bot.app.
__all__ = ["SHIPPED_SCENARIOS", "Runtime", "replay_evidence", "serve", "start_runtime"]

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    database: Database
    clock: Clock
    worker: PipelineWorker
    socket_mode: SocketModeConnection
    web: WebServer
    slack: Slack
    evidence: Evidence
    resources: AsyncExitStack  # what stops after the work: emulators, clients, the database
    actions: ActionContext | None = None
    # The local stand-ins started for sandbox mode, by name (bot.wiring.actions).
    stand_ins: dict[str, object] = field(default_factory=dict)
    sweeper: asyncio.Task[None] | None = None
    _stopped: bool = field(default=False, repr=False)

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.database.sessions

    @property
    def engine(self) -> AsyncEngine:
        return self.database.engine

    @property
    def policy(self) -> Policy:
        """As loaded at start: the approval flow decides by it."""
        return self.worker.context.policy

    @property
    def narrator(self) -> Narrator | None:
        return self.worker.context.narrator

    @property
    def late_evidence(self) -> LateEvidence | None:
        return self.worker.context.late

    @property
    def webhook_url(self) -> str:
        return self.web.url

    @property
    def stopping(self) -> asyncio.Event:
        return self.web.stopping

    @property
    def emulator(self) -> SlackEmulator | None:
        return self.slack.emulator

    @property
    def kube_emulator(self) -> KubeEmulator | None:
        found = self.stand_ins.get("kubernetes")
        return found if isinstance(found, KubeEmulator) else None

    @property
    def datadog(self) -> DatadogConnection | None:
        return self.evidence.datadog

    async def stop(self) -> None:
        """Shut down in order, each step bounded by ``SHUTDOWN_GRACE_SECONDS``: report not
        ready, stop listening and let in-flight webhooks answer, let the pipeline finish its
        current steps, then close the socket to Slack, the emulators and the database."""
        if self._stopped:
            return
        self._stopped = True
        self.web.stopping.set()
        grace = self.settings.shutdown_grace_seconds
        for site in list(self.web.runner.sites):
            await site.stop()  # the listener only: started requests go on reading their body
        if not await self.web.in_flight.drain(timeout=grace):
            log.warning("%d webhook requests cut after %gs", self.web.in_flight.count, grace)
        await self.web.runner.cleanup()
        await self.worker.stop(grace=grace)
        if self.sweeper is not None:
            self.sweeper.cancel()
            await asyncio.gather(self.sweeper, return_exceptions=True)
        await self.socket_mode.close_async()  # type: ignore[no-untyped-call]  # Bolt is untyped here
        await self.resources.aclose()  # in reverse order of start: the database last


def _operator_policy(settings: Settings) -> Policy:
    policy = load_policy(settings.policy_path or SHIPPED_POLICY)
    log.info("policy from %s%s", policy.source, " (dry-run only)" if policy.dry_run else "")
    return policy


async def _open_database(
    settings: Settings, clock: Clock, resources: AsyncExitStack
) -> tuple[Database, TransactionRunner]:
    """The database migrated to its head, the accept path's transaction runner, and with
    ``AUDIT_SIGNING_KEY`` the digest schedule (a bad digest folder stops the start here)."""
    audit_keys = configure_audit(settings)  # a bad AUDIT_SIGNING_KEY stops here
    database = await open_database(settings.database_url, migrate=True)
    resources.push_async_callback(database.close)
    transactions = TransactionRunner(database.engine)
    resources.push_async_callback(transactions.close)
    if audit_keys.signer is not None:
        digests = DigestSchedule(
            sessions=database.sessions,
            signer=audit_keys.signer,
            folder=settings.audit_digest_dir,
            clock=clock,
            interval=settings.audit_digest_seconds,
        )
        await digests.start()
        resources.push_async_callback(digests.stop)  # after the last write: every chain's end
    return database, transactions


async def _listen(
    settings: Settings,
    *,
    slack: Slack,
    worker: PipelineWorker,
    actions: ActionContext | None,
    database: Database,
    transactions: TransactionRunner,
    clock: Clock,
    metrics: PrometheusMetrics,
) -> tuple[SocketModeConnection, WebServer]:
    """The Bolt app over Socket Mode (connected by :func:`_go`) and the web server (listening)."""
    context = worker.context
    bolt = socket_mode(
        slack,
        sessions=database.sessions,
        clock=clock,
        pipeline=context,
        on_change=worker.wake,
        actions=actions,
        policy=context.policy,
        catalog=context.catalog,
    )
    web = await start_web(
        settings,
        sessions=database.sessions,
        transactions=transactions,
        clock=clock,
        catalog=context.catalog,
        metrics=metrics,
        on_accepted=worker.signals_accepted,
        slack_connected=bolt.connected,
        emulator=slack.emulator,
    )
    return bolt, web


async def _go(runtime: Runtime) -> None:
    """Connect to Slack, start the pipeline and the action sweep: the bot is live."""
    await runtime.socket_mode.connect_async()  # type: ignore[no-untyped-call]  # Bolt untyped
    runtime.worker.start()
    runtime.worker.wake()  # resume whatever a previous process left in the outbox
    if runtime.actions is not None:
        sweep = sweep_forever(runtime.actions, interval=runtime.settings.action_sweep_seconds)
        runtime.sweeper = asyncio.create_task(sweep, name="action-sweep")
    where = f"Slack emulator on {runtime.emulator.base_url}" if runtime.emulator else "Socket Mode"
    log.info("incident bot ready: webhooks on %s, %s", runtime.web.url, where)


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
    vendors: VendorExecutors | None = None,
) -> Runtime:
    """Build and start everything; raise :class:`ConfigError` before anything listens when the
    configuration cannot work, and stop what had started. ``runbook_folders`` default to the
    shipped ``runbooks/`` then ``RUNBOOK_PATHS``; ``runbook_selection`` is a scenario's
    ``runbooks`` key (the demo replays one scenario); ``cluster_seed`` seeds the sandbox's
    Kubernetes emulator (default: the replay scenarios' clusters); ``vendors`` are the vendor
    executors (default: those the environment configures); ``policy`` defaults to the file at
    ``POLICY_PATH``, else the shipped one."""
    clock = clock or SystemClock()
    if runbook_folders is None:
        runbook_folders = (SHIPPED_RUNBOOKS, *settings.runbook_paths)
    library = load_runbooks(runbook_folders)  # a bad runbook stops the start before anything
    policy = policy or _operator_policy(settings)
    runbooks = library.selected(runbook_selection)
    scenarios = cache(lambda: live_scenarios(settings, library.ids))
    found = build_evidence(settings, scenarios, given=evidence)
    async with AsyncExitStack() as resources:
        resources.push_async_callback(found.close)
        database, transactions = await _open_database(settings, clock, resources)
        metrics = PrometheusMetrics()
        slack = await start_slack(
            settings, metrics=metrics, resources=resources, emulator_config=emulator_config
        )
        worker = pipeline_worker(
            settings,
            sessions=database.sessions,
            chat=slack.chat,
            evidence=found,
            policy=policy,
            runbooks=runbooks,
            metrics=metrics,
            narrator=narrator_from(settings, sessions=database.sessions, clock=clock),
            clock=clock,
            poll_interval=poll_interval,
        )
        if worker.context.narrator is not None:
            resources.push_async_callback(worker.context.narrator.close)
        setup = ExecutorSetup(
            settings, clock, scenarios, resources, cluster_seed=cluster_seed, vendors=vendors
        )
        await start_paging(setup, sessions=database.sessions)  # PagerDuty, the flag service
        actions = await build_actions(
            setup,
            sessions=database.sessions,
            chat=slack.chat,
            policy=policy,
            sources=found.sources,
            catalog=found.catalog,
            runbooks=runbooks,
        )
        bolt, web = await _listen(
            settings,
            slack=slack,
            worker=worker,
            actions=actions,
            database=database,
            transactions=transactions,
            clock=clock,
            metrics=metrics,
        )
        runtime = Runtime(
            settings, database, clock, worker, bolt, web, slack, found, resources.pop_all(),
            actions, setup.stand_ins,
        )  # fmt: skip
    await _go(runtime)
    return runtime


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
