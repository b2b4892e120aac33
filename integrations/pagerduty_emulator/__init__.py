"""A local stand-in for PagerDuty's Events API v2 and REST API v2 (incidents and their notes),
for the tests and the sandbox: see :mod:`integrations.pagerduty_emulator.server`."""

from integrations.pagerduty_emulator.server import PagerDutyEmulator
from integrations.pagerduty_emulator.state import EmulatedIncident, PagerDutyState

__all__ = ["EmulatedIncident", "PagerDutyEmulator", "PagerDutyState"]
