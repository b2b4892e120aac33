"""Kubernetes, read through the official ``kubernetes`` client: the cluster around a service as
evidence (:class:`KubernetesEvidence`), and how to reach the API server (:class:`KubeConnection`).
"""

from integrations.kubernetes.connection import KubeConnection
from integrations.kubernetes.source import KubernetesEvidence

__all__ = ["KubeConnection", "KubernetesEvidence"]
