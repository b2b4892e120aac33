"""Kubernetes, read through the official ``kubernetes`` client: the cluster around a service as
evidence (:class:`KubernetesEvidence`), the executors that plan, run and verify actions on it
(:class:`KubernetesActions`), and how to reach the API server (:class:`KubeConnection`).
"""

from integrations.kubernetes.actions import KubernetesActions
from integrations.kubernetes.connection import KubeConnection
from integrations.kubernetes.source import KubernetesEvidence

__all__ = ["KubeConnection", "KubernetesActions", "KubernetesEvidence"]
