"""How the bot reaches a Kubernetes API server: an address and a bearer token, or a kubeconfig
file (and one of its contexts). Either way the result is a ``kubernetes`` client
``Configuration`` that never retries on its own: a source with a deadline makes one attempt,
and a refusal shows in the packet instead of being hidden behind urllib3's retries."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kubernetes import client, config

from bot.errors import ConfigError

__all__ = ["KubeConnection"]


@dataclass(frozen=True, slots=True)
class KubeConnection:
    """Where the API server is. Set ``api_url`` and ``token``, or ``kubeconfig`` (with an
    optional ``context``; none: the file's current context)."""

    api_url: str | None = None
    token: str | None = None
    ca_file: Path | None = None
    kubeconfig: Path | None = None
    context: str | None = None

    def __post_init__(self) -> None:
        if self.kubeconfig is None and (self.api_url is None or self.token is None):
            raise ConfigError(
                "a Kubernetes connection needs an API URL and a token, or a kubeconfig"
            )
        if self.kubeconfig is not None and self.api_url is not None:
            raise ConfigError("a Kubernetes connection takes an API URL or a kubeconfig, not both")

    def configuration(self) -> client.Configuration:
        """A fresh client configuration; :class:`ConfigError` when the kubeconfig is unusable
        (missing file, unknown context), so a bad one stops the start naming the file."""
        configuration = client.Configuration()
        if self.kubeconfig is not None:
            try:
                config.load_kube_config(  # type: ignore[no-untyped-call]
                    config_file=str(self.kubeconfig),
                    context=self.context,
                    client_configuration=configuration,
                    persist_config=False,
                )
            except (config.ConfigException, OSError) as exc:
                raise ConfigError(f"kubeconfig {self.kubeconfig}: {exc}") from exc
        else:
            configuration.host = (self.api_url or "").rstrip("/")
            configuration.api_key = {"authorization": self.token or ""}
            configuration.api_key_prefix = {"authorization": "Bearer"}
            if self.ca_file is not None:
                configuration.ssl_ca_cert = str(self.ca_file)
        configuration.retries = False
        return configuration
