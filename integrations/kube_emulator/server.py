"""The emulator's HTTP server and its lifecycle: the Kubernetes API and the control API on one
port of 127.0.0.1; and :class:`EmulatorThread`, which runs one on its own event loop in a
thread, for callers that use the (synchronous) ``kubernetes`` client from the main thread."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from types import TracebackType

from aiohttp import web

from bot.clock import Clock, SystemClock
from bot.scenario.models import Cluster
from integrations.kube_emulator.api import KubeApi
from integrations.kube_emulator.cluster import KubeCluster
from integrations.kube_emulator.control import ControlApi
from integrations.kube_emulator.seed import seed_cluster

__all__ = ["EmulatorThread", "KubeEmulator", "KubeEmulatorConfig", "serve_forever"]


@dataclass(frozen=True, slots=True)
class KubeEmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: an ephemeral port, read it from KubeEmulator.port once started
    token: str = "kube-emulator-token"
    rollout_reads: int = 0  # reads of a Deployment before its rollout completes
    clock: Clock = field(default_factory=SystemClock)

    def __post_init__(self) -> None:
        if not self.token:
            raise ValueError("the emulator needs a bearer token")
        if self.rollout_reads < 0:
            raise ValueError("rollout_reads must be 0 or more")


class KubeEmulator:
    """``async with KubeEmulator(config, seed) as kube: ...``; ``kube.base_url`` is the
    ``host`` for ``kubernetes.client.Configuration``."""

    def __init__(
        self, config: KubeEmulatorConfig | None = None, seed: Cluster | None = None
    ) -> None:
        self.config = config or KubeEmulatorConfig()
        self.cluster = KubeCluster(self.config.clock, rollout_reads=self.config.rollout_reads)
        if seed is not None:
            seed_cluster(self.cluster, seed)
        self.api = KubeApi(self.cluster, self.config.token)
        self.control = ControlApi(self.api)
        self.port = self.config.port
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.config.host}:{self.port}"

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self.api.middleware])
        self.api.add_routes(app)
        self.control.add_routes(app)
        return app

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("the emulator is running already")
        runner = web.AppRunner(self._app(), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        self.api.faults.release_all()  # a hung request would hold the shutdown up
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> KubeEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        await self.stop()


class EmulatorThread:
    """``with EmulatorThread(KubeEmulator(...)) as kube: ...``: the emulator served from a
    thread of its own until the block ends."""

    def __init__(self, emulator: KubeEmulator) -> None:
        self.emulator = emulator
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self) -> KubeEmulator:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.emulator.start(), self._loop).result()
        return self.emulator

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        asyncio.run_coroutine_threadsafe(self.emulator.stop(), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._loop.close()


async def serve_forever(config: KubeEmulatorConfig, seed: Cluster | None = None) -> None:
    """Run the emulator until cancelled (``python -m integrations.kube_emulator``)."""
    async with KubeEmulator(config, seed) as emulator:
        print(
            f"Kubernetes API emulator on {emulator.base_url}\n"
            f"  bearer token: {emulator.config.token}\n"
            f"  control API:  {emulator.base_url}/emulator/api/",
            flush=True,
        )
        await asyncio.Event().wait()
