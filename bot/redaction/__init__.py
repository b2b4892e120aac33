"""Redaction of secrets and customer data from everything the bot sends out.

:func:`redact` is the whole public surface for text; :func:`redact_with_report` also says what
kinds were hidden (for a log line or a metric, never the hidden values themselves).
"""

from bot.redaction.engine import Finding, Redaction, find, redact, redact_with_report

__all__ = ["Finding", "Redaction", "find", "redact", "redact_with_report"]
