"""A local Slack workspace emulator, shipped with the product.

It speaks Slack's wire protocol on 127.0.0.1 (a Web API subset with Slack's shapes, errors and
rate limits; Socket Mode with acks and re-delivery) so the real slack-bolt and slack_sdk code
run unchanged in the offline demo, the tests and sandbox mode; and a control API lets tests and
tools act as a person and see what a person sees.
"""

from integrations.slack_emulator.blocks import readable, render_blocks
from integrations.slack_emulator.client import EmulatorClient, EmulatorError
from integrations.slack_emulator.config import EmulatorConfig, RateLimits
from integrations.slack_emulator.server import SlackEmulator, serve_forever
from integrations.slack_emulator.workspace import Workspace, WorkspaceFileError, load_workspace

__all__ = [
    "EmulatorClient",
    "EmulatorConfig",
    "EmulatorError",
    "RateLimits",
    "SlackEmulator",
    "Workspace",
    "WorkspaceFileError",
    "load_workspace",
    "readable",
    "render_blocks",
    "serve_forever",
]
