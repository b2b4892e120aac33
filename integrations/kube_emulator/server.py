"""The emulator's HTTP server and its lifecycle: the Kubernetes API and the control API on one
port of 127.0.0.1, over plain http or (``tls_dir`` set) https with a CA generated for the run,
as ``kubectl`` needs to send a token; and :class:`EmulatorThread`, which runs one on its own
event loop in a thread, for callers that use the (synchronous) ``kubernetes`` client from the
main thread. :meth:`KubeEmulator.write_kubeconfig` writes what ``kubectl`` reads."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from aiohttp import web

from bot.clock import Clock, SystemClock
from bot.scenario.schemas import Cluster
from integrations.kube_emulator.api import Handler, KubeApi
from integrations.kube_emulator.client import ControlClient
from integrations.kube_emulator.cluster import KubeCluster
from integrations.kube_emulator.control import ControlApi
from integrations.kube_emulator.rbac import Rbac, User
from integrations.kube_emulator.seed import seed_cluster
from integrations.kube_emulator.tls import (
    ServingCertificate,
    generate_certificates,
    write_kubeconfig,
)

__all__ = ["EmulatorThread", "KubeEmulator", "KubeEmulatorConfig", "serve_forever"]


@dataclass(frozen=True, slots=True)
class KubeEmulatorConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: an ephemeral port, read it from KubeEmulator.port once started
    token: str = "kube-emulator-token"
    rollout_reads: int = 0  # reads of a Deployment before its rollout completes
    clock: Clock = field(default_factory=SystemClock)
    tls_dir: Path | None = None  # set: serve https with a CA and certificate written there
    users: Mapping[str, User] = field(default_factory=dict)  # more tokens, and whose they are
    rbac: Rbac | None = None  # set: every token but ``token`` is held to its Roles

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
        self.api = KubeApi(
            self.cluster,
            self.config.token,
            users=dict(self.config.users),
            rbac=self.config.rbac,
        )
        self.control = ControlApi(self.api)
        self.port = self.config.port
        self.certificate: ServingCertificate | None = None
        self._runner: web.AppRunner | None = None
        self._transports: set[asyncio.Transport] = set()

    @property
    def base_url(self) -> str:
        scheme = "https" if self.config.tls_dir is not None else "http"
        return f"{scheme}://{self.config.host}:{self.port}"

    @property
    def ca_file(self) -> Path | None:
        """The authority to trust (https only; set once started)."""
        return self.certificate.ca_file if self.certificate is not None else None

    def control_client(self) -> ControlClient:
        return ControlClient(self.base_url, ca_file=self.ca_file)

    def write_kubeconfig(
        self, path: Path, *, token: str | None = None, namespace: str = "default"
    ) -> Path:
        """A kubeconfig for this emulator (started) with ``token`` (default: the admin's)."""
        return write_kubeconfig(
            path,
            server=self.base_url,
            token=token or self.config.token,
            ca_file=self.ca_file,
            namespace=namespace,
        )

    @web.middleware
    async def _connections(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Remember each connection, so stopping can close it: a TLS connection still open when
        the loop ends would otherwise wait for the client's close_notify and leak its socket."""
        if request.transport is not None:
            if len(self._transports) > 64:
                self._transports = {t for t in self._transports if not t.is_closing()}
            self._transports.add(request.transport)
        return await handler(request)

    def _app(self) -> web.Application:
        app = web.Application(middlewares=[self._connections, self.api.middleware])
        self.api.add_routes(app)
        self.control.add_routes(app)
        return app

    async def start(self) -> None:
        if self._runner is not None:
            raise RuntimeError("the emulator is running already")
        context = None
        if self.config.tls_dir is not None:
            self.certificate = generate_certificates(self.config.tls_dir, self.config.host)
            context = self.certificate.server_context()
        runner = web.AppRunner(self._app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.config.host, self.config.port, ssl_context=context)
        try:
            await site.start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])

    async def stop(self) -> None:
        self.api.faults.release_all()  # a hung request would hold the shutdown up
        self.api.watches.close()  # and so would a watch
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        for transport in self._transports:
            transport.abort()
        self._transports.clear()

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


async def serve_forever(
    config: KubeEmulatorConfig, seed: Cluster | None = None, *, kubeconfig: Path | None = None
) -> None:
    """Run the emulator until cancelled (``python -m integrations.kube_emulator``), with a
    kubeconfig for it written to ``kubeconfig`` when given."""
    async with KubeEmulator(config, seed) as emulator:
        lines = [
            f"Kubernetes API emulator on {emulator.base_url}",
            f"  control API:  {emulator.base_url}/emulator/api/",
        ]
        if emulator.ca_file is not None:
            lines.append(f"  CA:           {emulator.ca_file}")
        if kubeconfig is not None:
            emulator.write_kubeconfig(kubeconfig)
            lines.append(f"  kubeconfig:   export KUBECONFIG={kubeconfig}")
        else:
            lines.append(f"  bearer token: {emulator.config.token}")
        print("\n".join(lines), flush=True)
        await asyncio.Event().wait()
