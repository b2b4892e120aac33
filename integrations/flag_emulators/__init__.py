"""Local stand-ins for the feature-flag services the ``flag_off`` action drives: LaunchDarkly's
REST API (semantic patch) and Unleash's admin API."""

from integrations.flag_emulators.launchdarkly import EmulatedFlag, LaunchDarklyEmulator
from integrations.flag_emulators.unleash import EmulatedFeature, UnleashEmulator

__all__ = ["EmulatedFeature", "EmulatedFlag", "LaunchDarklyEmulator", "UnleashEmulator"]
