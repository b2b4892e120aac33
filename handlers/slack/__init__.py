"""Slack, inbound: the Bolt app, its middleware and one module per command."""

from handlers.slack.app import SlackDeps, build_slack_app
from handlers.slack.socket import SocketModeConnection

__all__ = ["SlackDeps", "SocketModeConnection", "build_slack_app"]
