"""A local Atlassian Statuspage REST API (v1) for tests and the demo."""

from integrations.statuspage_emulator.server import StatuspageEmulator, StatuspageSeen

__all__ = ["StatuspageEmulator", "StatuspageSeen"]
