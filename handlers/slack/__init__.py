"""Slack, inbound: the Bolt app, its middleware and one module per command."""

from handlers.slack.app import SlackDeps, build_slack_app

__all__ = ["SlackDeps", "build_slack_app"]
