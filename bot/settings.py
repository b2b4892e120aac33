"""Settings from the environment (and a ``.env`` file), validated once at start-up.

Secrets are ``SecretStr`` so they never print in a repr or a log line. A bad value stops the start
with a message naming the variable (:func:`load_settings`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, Field, FilePath, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.errors import ConfigError
from bot.signal.sources.common import DEFAULT_DEPLOY_WORKFLOWS

__all__ = [
    "DEFAULT_DD_METRIC_QUERIES",
    "WEBHOOK_SOURCES",
    "MetricQuery",
    "Settings",
    "load_settings",
]

# Sources whose webhook secret may be configured as ``<SOURCE>_WEBHOOK_SECRET``.
WEBHOOK_SOURCES = (
    "alertmanager",
    "generic",
    "pagerduty",
    "datadog",
    "grafana",
    "sentry",
    "github",
)

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./var/incident-bot.sqlite3"


class MetricQuery(BaseModel):
    """One series the Datadog adapter asks for each service: ``{service}`` in ``query`` is
    replaced by the service's name."""

    name: str = Field(min_length=1)
    query: str = Field(pattern=r"\{service\}")
    unit: str | None = None


# APM's trace metrics for web services: errors as a share of requests, and the p99 of request
# duration (the trace.* distribution is in seconds). Services whose spans are not
# ``http.request`` (gRPC, workers) set DD_METRIC_QUERIES to their own span names.
DEFAULT_DD_METRIC_QUERIES = (
    MetricQuery(
        name="error_rate",
        query="100 * sum:trace.http.request.errors{service:{service}}.as_count() / "
        "sum:trace.http.request.hits{service:{service}}.as_count()",
        unit="percent",
    ),
    MetricQuery(
        name="p99_latency",
        query="p99:trace.http.request{service:{service}}",
        unit="s",
    ),
)


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
    )

    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    # Slack's Web API base URL; set it to point a bot with tokens at a proxy or an emulator
    # that outlives the bot (crash tests, several replicas on one emulator).
    slack_api_url: str | None = Field(default=None, pattern=r"^https?://.+/$")

    database_url: str = DEFAULT_DATABASE_URL
    port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port (demo, tests)
    host: str = "0.0.0.0"
    slack_emulator_port: int = Field(default=3000, ge=0, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    alertmanager_webhook_secret: SecretStr | None = None
    generic_webhook_secret: SecretStr | None = None
    pagerduty_webhook_secret: SecretStr | None = None
    datadog_webhook_secret: SecretStr | None = None
    grafana_webhook_secret: SecretStr | None = None
    sentry_webhook_secret: SecretStr | None = None
    github_webhook_secret: SecretStr | None = None
    # GitHub workflow names or shell-style patterns whose failed runs count as failed deploys
    # (GITHUB_DEPLOY_WORKFLOWS, a JSON list); compared case-insensitively.
    github_deploy_workflows: list[str] = list(DEFAULT_DEPLOY_WORKFLOWS)
    # GitHub as the deploy evidence source (deployments, pull requests, changed files); without a
    # token, deploys come from the replay scenarios. The API URL is GitHub Enterprise's
    # (https://ghe.example.com/api/v3) or a local fake in tests.
    github_token: SecretStr | None = None
    github_api_url: str = Field(default="https://api.github.com", pattern=r"^https?://[^\s/]+")
    github_environment: str = Field(default="production", min_length=1)

    webhook_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Flood control: more alerts in one delivery, or from one source in the last minute, are
    # refused whole with 429 and Retry-After (handlers/webhooks/routes.py).
    webhook_max_alerts_per_delivery: int = Field(default=1000, ge=1)
    webhook_max_alerts_per_source_minute: int = Field(default=12_000, ge=1)
    replay_scenarios: list[Path] = Field(default_factory=list)
    catalog_path: Path | None = None
    # Fallbacks for services CATALOG_PATH does not list, in this order: Backstage descriptors
    # (BACKSTAGE_CATALOG_PATHS, a JSON list of catalog-info.yaml files or folders searched for
    # them), then CODEOWNERS (CODEOWNERS_PATHS, a JSON list of CODEOWNERS files or repository
    # folders) asked about the service's folder, CODEOWNERS_SERVICE_PATH.
    backstage_catalog_paths: list[Path] = Field(default_factory=list)
    codeowners_paths: list[Path] = Field(default_factory=list)
    codeowners_service_path: str = Field(
        default="{service}/", pattern=r"^[^\s]*\{service\}[^\s]*$", max_length=300
    )
    # Folders of the operator's own runbooks (RUNBOOK_PATHS, a JSON list), loaded after the
    # shipped runbooks/; an id used twice is an error naming both files.
    runbook_paths: list[Path] = Field(default_factory=list)
    # The operator's policy file (approvers, guardrails, freezes, kill switch); unset: the
    # shipped bot/policy/default.yaml. Checked at start-up: a bad file stops the bot.
    policy_path: Path | None = None
    evidence_deadline_seconds: float = Field(default=3.0, gt=0, le=60)
    # How much longer a source that missed the deadline is waited for in the background; its
    # late answer updates the packet in place. 0: a late source is given up at the deadline.
    evidence_late_seconds: float = Field(default=30.0, ge=0, le=600)
    # Feature-flag changes and the change calendar (freeze and maintenance windows) as YAML
    # files, the scenario format's ``flags`` and ``calendar`` sections; set, each replaces the
    # replay scenarios' answer. Read again whenever the file changes.
    flags_path: FilePath | None = None
    change_calendar_path: FilePath | None = None
    # Kubernetes evidence (unset: none; replay stays the default): an API server and a bearer
    # token (KUBE_API_URL, KUBE_TOKEN, optionally KUBE_CA_FILE), or a kubeconfig file
    # (KUBE_CONFIG_PATH, optionally KUBE_CONTEXT).
    kube_api_url: str | None = Field(default=None, pattern=r"^https?://[^/]+")
    kube_token: SecretStr | None = None
    kube_ca_file: Path | None = None
    kube_config_path: Path | None = None
    kube_context: str | None = None
    # Actions: how long an approved action's rollout may take to finish, how long after it the
    # incident's alerts or metric are watched for recovery, and how often proposals past their
    # approval window are expired.
    action_verify_seconds: float = Field(default=120.0, gt=0, le=3600)
    recovery_window_seconds: float = Field(default=300.0, ge=0, le=3600)
    action_sweep_seconds: float = Field(default=15.0, gt=0, le=600)
    correlation_window_minutes: float = Field(default=30.0, gt=0, le=24 * 60)
    # The least time between two edits of one packet: a storm of joins becomes a few edits.
    packet_update_interval_seconds: float = Field(default=15.0, ge=0, le=600)
    # How long a worker holds an incident's Slack work; a crashed bot's incidents resume after it.
    slack_lease_seconds: float = Field(default=60.0, ge=1, le=3600)
    # On SIGTERM: how long in-flight webhooks, and then the pipeline's current step, may take
    # to finish before they are cut (the database keeps whatever was cut).
    shutdown_grace_seconds: float = Field(default=10.0, ge=0, le=300)

    # The audit trail's Ed25519 key (base64 of the raw key, or a PEM file's path): it signs each
    # audit row and every digest, and the database never holds it (bot.audit.keys). A host that
    # only verifies sets the public key alone. Digests go to a folder the bot only adds to.
    audit_signing_key: SecretStr | None = None
    audit_verify_key: str | None = None
    audit_digest_dir: Path = Path("./var/audit-digests")
    audit_digest_seconds: float = Field(default=300.0, gt=0, le=24 * 3600)

    # Datadog evidence (metrics, logs, monitors): used when both keys are set.
    dd_api_key: SecretStr | None = None
    dd_app_key: SecretStr | None = None
    dd_site: str = Field(default="datadoghq.com", pattern=r"^[a-z0-9.-]+$")
    # The API base URL, replacing https://api.<DD_SITE> (a proxy, a sandbox, the tests' fake).
    dd_api_url: str | None = Field(default=None, pattern=r"^https?://[^/]+/?$")
    dd_metric_queries: list[MetricQuery] = Field(
        default_factory=lambda: list(DEFAULT_DD_METRIC_QUERIES), min_length=1
    )
    dd_log_query: str = Field(
        default="service:{service} status:(error OR warn)", pattern=r"\{service\}"
    )
    # The most log lines one packet asks for, over all pages.
    dd_log_limit: int = Field(default=300, ge=1, le=5000)
    # The tag a deploy job puts on the Datadog event it posts for each deploy; set, deploys come
    # from those events. One tag, no comma: the events API reads a comma as a list.
    dd_deploy_event_tag: str | None = Field(
        default=None, pattern=r"^[A-Za-z][A-Za-z0-9_.:/-]*$", max_length=200
    )

    # The narrator: Claude writes the packet's "likely cause" reply and /explain answers from the
    # packet's facts. Without a key nothing is sent anywhere and the bot writes everything itself.
    anthropic_api_key: SecretStr | None = None
    anthropic_base_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+")
    narrator_model: str = Field(default="claude-sonnet-5-5", min_length=1, max_length=100)
    narrator_timeout_seconds: float = Field(default=20.0, gt=0, le=300)
    narrator_max_tokens: int = Field(default=1024, ge=64, le=8192)
    # Timeouts, 429 and 529 are retried while both last; then the deterministic text is used.
    narrator_retry_budget_seconds: float = Field(default=30.0, ge=0, le=300)
    narrator_retry_attempts: int = Field(default=3, ge=1, le=10)
    # US dollars per million tokens, for the cost in each narrator.call audit row.
    narrator_price_input_per_million: float = Field(default=3.0, ge=0)
    narrator_price_output_per_million: float = Field(default=15.0, ge=0)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value

    @field_validator("github_token")
    @classmethod
    def _empty_token_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        # GITHUB_TOKEN= in a .env file means "no GitHub", not a token GitHub will refuse.
        return value if value is not None and value.get_secret_value().strip() else None

    @field_validator("dd_api_key", "dd_app_key")
    @classmethod
    def _blank_key_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @field_validator("anthropic_api_key")
    @classmethod
    def _blank_anthropic_key_is_unset(cls, value: SecretStr | None) -> SecretStr | None:
        # ANTHROPIC_API_KEY= in a .env file means "no narrator", not a key Anthropic refuses.
        return value if value is not None and value.get_secret_value().strip() else None

    @field_validator("backstage_catalog_paths", "codeowners_paths")
    @classmethod
    def _paths_exist(cls, paths: list[Path]) -> list[Path]:
        missing = [str(path) for path in paths if not path.exists()]
        if missing:
            raise ValueError(f"no such file or folder: {', '.join(missing)}")
        return paths

    @field_validator("flags_path", "change_calendar_path", "policy_path", mode="before")
    @classmethod
    def _blank_path_is_unset(cls, value: object) -> object:
        # FLAGS_PATH= in a .env file means "no file", not the current folder.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("database_url")
    @classmethod
    def _database_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must use an async driver: sqlite+aiosqlite:///path or postgresql+asyncpg://..."
            )
        return value

    @property
    def sandbox(self) -> bool:
        """True when no Slack tokens are set: the bot talks to the local Slack emulator."""
        return self.slack_bot_token is None and self.slack_app_token is None

    @property
    def datadog(self) -> bool:
        """True when both Datadog keys are set: evidence then comes from Datadog."""
        return self.dd_api_key is not None and self.dd_app_key is not None

    @property
    def narrator(self) -> bool:
        """True when an Anthropic key is set: the narrator writes grounded prose."""
        return self.anthropic_api_key is not None

    @property
    def kubernetes(self) -> bool:
        """True when a Kubernetes API server is configured as an evidence source."""
        return self.kube_api_url is not None or self.kube_config_path is not None

    def secret_values(self) -> tuple[str, ...]:
        """Every configured secret value: each ``SecretStr`` setting and the password inside
        ``DATABASE_URL`` (as written and decoded). The log redaction guard hides all of them."""
        values = [
            value.get_secret_value()
            for name in type(self).model_fields
            if isinstance(value := getattr(self, name), SecretStr) and value.get_secret_value()
        ]
        password = urlsplit(self.database_url).password
        if password:
            values.extend({password, unquote(password)})
        return tuple(values)

    def webhook_secret(self, source: str) -> SecretStr | None:
        """The configured secret for ``source``, or None: that source then refuses everything."""
        value: SecretStr | None = getattr(self, f"{source}_webhook_secret", None)
        if value is not None and not value.get_secret_value():
            return None
        return value


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings; raise :class:`ConfigError` naming each bad variable."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            variable = "_".join(str(part) for part in error["loc"]).upper()
            problems.append(f"{variable}: {error['msg']}")
        raise ConfigError("invalid settings: " + "; ".join(problems)) from exc
    if (settings.slack_bot_token is None) != (settings.slack_app_token is None):
        missing = "SLACK_APP_TOKEN" if settings.slack_app_token is None else "SLACK_BOT_TOKEN"
        raise ConfigError(
            f"invalid settings: {missing}: set both SLACK_BOT_TOKEN and SLACK_APP_TOKEN for real "
            "Slack, or neither for the local emulator"
        )
    if (settings.dd_api_key is None) != (settings.dd_app_key is None):
        missing = "DD_APP_KEY" if settings.dd_app_key is None else "DD_API_KEY"
        raise ConfigError(
            f"invalid settings: {missing}: Datadog needs both DD_API_KEY and DD_APP_KEY, "
            "or neither for replay evidence"
        )
    _check_kubernetes(settings)
    return settings


def _check_kubernetes(settings: Settings) -> None:
    """The Kubernetes settings must name one way to reach the API server, completely."""
    problem = None
    if settings.kube_api_url is not None and settings.kube_config_path is not None:
        problem = "KUBE_API_URL: set KUBE_API_URL and KUBE_TOKEN, or KUBE_CONFIG_PATH, not both"
    elif (settings.kube_api_url is None) != (settings.kube_token is None):
        missing = "KUBE_TOKEN" if settings.kube_token is None else "KUBE_API_URL"
        problem = f"{missing}: KUBE_API_URL and KUBE_TOKEN go together"
    elif settings.kube_ca_file is not None and settings.kube_api_url is None:
        problem = "KUBE_CA_FILE: only with KUBE_API_URL (a kubeconfig names its own CA)"
    elif settings.kube_context is not None and settings.kube_config_path is None:
        problem = "KUBE_CONTEXT: only with KUBE_CONFIG_PATH"
    if problem is not None:
        raise ConfigError(f"invalid settings: {problem}")
