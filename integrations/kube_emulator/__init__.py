"""A local Kubernetes API emulator, shipped with the product.

It speaks the Kubernetes REST API on 127.0.0.1 well enough for the official ``kubernetes``
Python client and ``kubectl`` to run unchanged: apps/v1 Deployments (list, get, create, replace,
the three patch formats, the scale subresource), their ReplicaSets and revisions as the
deployment controller keeps them (``rollout undo`` reuses a ReplicaSet), Pods (deleting one makes
its ReplicaSet replace it; a patch may change their labels and annotations), core/v1 Events
and ConfigMaps, batch/v1 CronJobs and Jobs (a job controller finishes a Job as its CronJob's seed
says, from the environment its ConfigMaps give it; ``batch``),
optimistic concurrency on ``resourceVersion`` and ``Status`` refusals. Around them: https with a
generated CA and a kubeconfig (``tls``), discovery and OpenAPI v3 (``discovery``), ``Table``
answers (``tables``), watches (``watch``), ``dryRun=All`` that never persists, strict field
validation, bearer-token users, RBAC from Role manifests and the access reviews (``rbac``,
``access``). It is seeded from a scenario's ``cluster`` section; a control API lets tests inject
faults and see every write and every request allowed.
"""

from integrations.kube_emulator.client import ControlClient, ControlError
from integrations.kube_emulator.seed import SeedError, load_cluster_file, seed_cluster
from integrations.kube_emulator.server import (
    EmulatorThread,
    KubeEmulator,
    KubeEmulatorConfig,
    serve_forever,
)

__all__ = [
    "ControlClient",
    "ControlError",
    "EmulatorThread",
    "KubeEmulator",
    "KubeEmulatorConfig",
    "SeedError",
    "load_cluster_file",
    "seed_cluster",
    "serve_forever",
]
