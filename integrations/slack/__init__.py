"""Slack, outbound: the Web API client set-up and the core's ``Chat`` port over it."""
