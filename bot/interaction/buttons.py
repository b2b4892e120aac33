"""The ``action_id`` of each button the bot posts: the contract between the blocks the Slack
adapter draws (``integrations/slack/blocks.py``) and the listeners that take the clicks
(``handlers/slack/``). Both sides read them here, so neither imports the other."""

from __future__ import annotations

__all__ = ["APPROVE_ACTION_ID", "DENY_ACTION_ID", "RESOLVE_ACTION_ID"]

RESOLVE_ACTION_ID = "incident_resolve"  # "Resolve incident" on the bot's question
APPROVE_ACTION_ID = "action_approve"  # Approve on an action's plan
DENY_ACTION_ID = "action_deny"  # Deny on an action's plan
