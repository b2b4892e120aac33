"""Feature flags for ``flag_off`` and its reversal: LaunchDarkly's REST API or Unleash's admin
API, whichever the settings name."""

from integrations.flags.actions import FlagActions
from integrations.flags.launchdarkly import LaunchDarklyFlags
from integrations.flags.unleash import UnleashFlags

__all__ = ["FlagActions", "LaunchDarklyFlags", "UnleashFlags"]
