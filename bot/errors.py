"""The one exception tree of the bot.

Adapters convert vendor and library errors into these at the boundary (``raise X(...) from exc``)
so the core and the edges speak one language, and the texts people read stay specific::

    IncidentBotError
    ├── ConfigError                 settings or an operator-owned file is unusable: start-up stops
    │   └── ConfigFileError         a YAML file (scenario, catalog, policy...): file, line, key
    ├── WebhookError                an inbound alert was refused; nothing was stored
    │   ├── AuthenticationError     missing or wrong credentials (HTTP 401)
    │   ├── PayloadError            malformed JSON or a payload that fails validation (HTTP 400)
    │   ├── PayloadTooLargeError    body over the size limit (HTTP 413)
    │   └── TooManyAlertsError      over the alerts-per-delivery or per-minute cap (HTTP 429)
    ├── SourceUnavailableError      an evidence source failed or missed its deadline
    ├── ChatError                   the chat platform (Slack) refused or failed a call
    ├── PagerError                  PagerDuty (or a flag service) refused or failed a call,
    │                               with its status, code and whether the request left
    ├── ChartError                  a metric chart could not be drawn
    ├── NarratorError               the language model failed or refused a call
    │   ├── NarratorRetryableError  a timeout, rate limit (429) or overload (529): retry later
    │   └── NarratorAnswerError     an answer that cannot be used (not JSON, no content, no tool
    │                               call, cut off at the token limit): never retried
    ├── CommandUsageError           a slash command's arguments are wrong: show usage
    ├── ActionError                 a cluster action cannot go on
    │   ├── ActionPlanError         no plan: target missing, cluster unreachable, bad parameters
    │   ├── VendorCallError         a vendor executor's write failed (sent or not)
    │   └── ActionTransitionError   a state change the action's state machine does not allow
    └── AuditTrailError             the audit trail does not verify (a digest, a wiped trail)
        └── AuditChainError         ... and the first bad row is named
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ActionError",
    "ActionPlanError",
    "ActionTransitionError",
    "AuditChainError",
    "AuditTrailError",
    "AuthenticationError",
    "ChartError",
    "ChatError",
    "CommandUsageError",
    "ConfigError",
    "ConfigFileError",
    "IncidentBotError",
    "NarratorAnswerError",
    "NarratorError",
    "NarratorRetryableError",
    "PagerError",
    "PayloadError",
    "PayloadTooLargeError",
    "SourceUnavailableError",
    "TooManyAlertsError",
    "VendorCallError",
    "WebhookError",
]


class IncidentBotError(Exception):
    """Root of every error the bot raises on purpose."""


class ConfigError(IncidentBotError):
    """Settings or an operator-owned file cannot be used; the bot must not start."""


class ConfigFileError(ConfigError):
    """A YAML file failed to parse or validate.

    ``line`` is 1-based and ``key`` is a dotted path (``alerts.0.payload``) when known, so the
    operator can jump straight to the problem.
    """

    def __init__(
        self, path: Path | str, message: str, *, line: int | None = None, key: str | None = None
    ) -> None:
        self.path = Path(path)
        self.line = line
        self.key = key
        self.reason = message
        where = str(self.path)
        if line is not None:
            where += f":{line}"
        if key:
            where += f": {key}"
        super().__init__(f"{where}: {message}")


class WebhookError(IncidentBotError):
    """An inbound alert was refused. ``status`` is the HTTP status to answer with."""

    status = 400


class AuthenticationError(WebhookError):
    """Missing or wrong credentials for a webhook source."""

    status = 401


class PayloadError(WebhookError):
    """The body is not valid JSON or fails validation; ``field`` names what is wrong."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)


class PayloadTooLargeError(WebhookError):
    """The body exceeds the size limit."""

    status = 413


class TooManyAlertsError(WebhookError):
    """More alerts than the flood caps allow; nothing of the delivery was stored. The source
    may send it again after ``retry_after`` seconds."""

    status = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(message)


class SourceUnavailableError(IncidentBotError):
    """An evidence source failed or missed its deadline; the packet says so instead."""

    def __init__(self, source: str, reason: str) -> None:
        self.source = source
        self.reason = reason
        super().__init__(f"{source} unavailable: {reason}")


class ChatError(IncidentBotError):
    """The chat platform refused a call; ``code`` is its error code (``name_taken``...)."""

    def __init__(self, method: str, code: str) -> None:
        self.method = method
        self.code = code
        super().__init__(f"{method} failed: {code}")


class PagerError(IncidentBotError):
    """A call to PagerDuty, LaunchDarkly or Unleash failed. ``status`` is the HTTP status (None:
    no answer), ``code`` the vendor's error code when it gave one, and ``sent`` whether the
    request may have reached the vendor (a timeout after sending: its effect is unknown)."""

    def __init__(
        self,
        vendor: str,
        call: str,
        reason: str,
        *,
        status: int | None = None,
        code: str | None = None,
        sent: bool = True,
    ) -> None:
        self.vendor = vendor
        self.call = call
        self.reason = reason
        self.status = status
        self.code = code
        self.sent = sent
        super().__init__(f"{vendor} {call} failed: {reason}")

    @property
    def permanent(self) -> bool:
        """A refusal that asking again will not change (4xx but 408 and 429)."""
        return (
            self.status is not None and 400 <= self.status < 500 and self.status not in (408, 429)
        )


class ChartError(IncidentBotError):
    """A metric chart could not be drawn; the packet stands without it."""


class NarratorError(IncidentBotError):
    """The language model failed or refused a call; the bot uses its deterministic text."""


class NarratorRetryableError(NarratorError):
    """A timeout, a rate limit (429) or an overload (529). ``retry_after`` is the provider's
    wait in seconds when it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class NarratorAnswerError(NarratorError):
    """The model answered, but not in a form the bot can use: a body that is not JSON, no
    ``content``, no call (or another call) of the tool it was given, an answer cut off at the
    token limit. Asking again would cost the same and likely fail the same: it is not retried."""


class CommandUsageError(IncidentBotError):
    """A slash command was given arguments it cannot use; the message is the usage to show."""


class ActionError(IncidentBotError):
    """A cluster action cannot go on; the message says why, for the person who asked."""


class ActionPlanError(ActionError):
    """The action cannot be planned: its target or the cluster cannot be read, or its
    parameters do not fit its kind."""


class VendorCallError(ActionError):
    """A vendor's API refused a call, did not answer in time, or could not be reached;
    ``sent`` tells whether the request left the bot (its effect is then unknown unless the
    vendor answered with a refusal)."""

    def __init__(self, reason: str, *, sent: bool) -> None:
        self.reason = reason
        self.sent = sent
        super().__init__(reason)


class ActionTransitionError(ActionError):
    """An action was asked to move to a state its current state does not lead to."""

    def __init__(self, current: str, new: str) -> None:
        self.current = current
        self.new = new
        super().__init__(f"an action that is {current} cannot become {new}")


class AuditTrailError(IncidentBotError):
    """The audit trail does not verify: its digests, or rows a digest recorded, are missing or
    altered (:class:`AuditChainError` when one row can be named)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class AuditChainError(AuditTrailError):
    """The audit chain is broken at row ``seq``."""

    def __init__(self, seq: int, reason: str) -> None:
        super().__init__(f"audit row {seq}: {reason}")
        self.seq = seq
        self.reason = reason
