"""The vendor executors the settings configure, for the composition root.

Each integration is on when its settings are complete, and off (its kinds stay suggestions,
and say so) when none of them is set; half a configuration stops start-up naming what is
missing. Secrets come only from the environment (or the ``.env`` file), never from a file the
bot reads at run time, and are never logged.

- Statuspage (``status_update``, ``resolve_status``): ``STATUSPAGE_API_KEY``,
  ``STATUSPAGE_PAGE_ID``, ``STATUSPAGE_COMPONENTS`` (JSON: service → component id),
  ``STATUSPAGE_API_URL``.
- GitHub Issues (``open_ticket``, ``update_ticket``): ``TICKETS_GITHUB_TOKEN``,
  ``TICKETS_GITHUB_REPO`` (``owner/name``), ``TICKETS_GITHUB_LABELS`` (JSON list),
  ``TICKETS_GITHUB_API_URL``.
"""

from __future__ import annotations

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.action.executors import VendorExecutors
from bot.action.ports import VendorActions
from bot.clock import Clock
from bot.errors import ConfigError
from integrations.github.client import GitHubConnection
from integrations.github.issues import GitHubIssueActions
from integrations.statuspage.actions import StatuspageActions, StatuspageConnection

__all__ = [
    "VendorSettings",
    "build_vendor_executors",
    "load_vendor_settings",
    "vendor_executors_from_environment",
]


class VendorSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    statuspage_api_url: str = Field(
        default="https://api.statuspage.io", pattern=r"^https?://[^\s/]+"
    )
    statuspage_api_key: SecretStr | None = None
    statuspage_page_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_-]+$")
    statuspage_components: dict[str, str] = {}

    tickets_github_api_url: str = Field(
        default="https://api.github.com", pattern=r"^https?://[^\s/]+"
    )
    tickets_github_token: SecretStr | None = None
    tickets_github_repo: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$"
    )
    tickets_github_labels: list[str] = ["incident"]

    vendor_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    @property
    def statuspage(self) -> bool:
        return self.statuspage_api_key is not None

    @property
    def github_tickets(self) -> bool:
        return self.tickets_github_token is not None


def _check(settings: VendorSettings) -> None:
    if (settings.statuspage_api_key is None) != (settings.statuspage_page_id is None):
        missing = (
            "STATUSPAGE_PAGE_ID" if settings.statuspage_page_id is None else "STATUSPAGE_API_KEY"
        )
        raise ConfigError(f"invalid settings: {missing}: Statuspage needs a key and a page id")
    if (settings.tickets_github_token is None) != (settings.tickets_github_repo is None):
        missing = (
            "TICKETS_GITHUB_REPO"
            if settings.tickets_github_repo is None
            else "TICKETS_GITHUB_TOKEN"
        )
        raise ConfigError(f"invalid settings: {missing}: tickets need a token and a repository")


def load_vendor_settings(**overrides: object) -> VendorSettings:
    """Read and validate; ConfigError naming each bad variable."""
    try:
        settings = VendorSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = [
            "_".join(str(part) for part in error["loc"]).upper() + f": {error['msg']}"
            for error in exc.errors()
        ]
        raise ConfigError("invalid settings: " + "; ".join(problems)) from exc
    _check(settings)
    return settings


def build_vendor_executors(
    settings: VendorSettings, *, clock: Clock, poll_interval: float = 0.5
) -> VendorExecutors:
    """The executors ``settings`` configure, by kind (none: every vendor kind a suggestion)."""
    executors: list[VendorActions] = []
    timeout = settings.vendor_timeout_seconds
    if settings.statuspage_api_key is not None and settings.statuspage_page_id is not None:
        executors.append(
            StatuspageActions(
                StatuspageConnection(
                    api_key=settings.statuspage_api_key,
                    api_url=settings.statuspage_api_url,
                    timeout=timeout,
                ),
                page_id=settings.statuspage_page_id,
                components=settings.statuspage_components,
                clock=clock,
                poll_interval=poll_interval,
            )
        )
    if settings.tickets_github_token is not None and settings.tickets_github_repo is not None:
        executors.append(
            GitHubIssueActions(
                GitHubConnection(
                    token=settings.tickets_github_token,
                    api_url=settings.tickets_github_api_url,
                    timeout=timeout,
                ),
                repo=settings.tickets_github_repo,
                labels=settings.tickets_github_labels,
                clock=clock,
                poll_interval=poll_interval,
            )
        )
    return VendorExecutors.of(*executors)


def vendor_executors_from_environment(clock: Clock) -> VendorExecutors:
    """The executors the environment configures; ConfigError before anything starts when
    their settings are half there or malformed."""
    return build_vendor_executors(load_vendor_settings(), clock=clock)
