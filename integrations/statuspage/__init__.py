"""Status updates on Atlassian Statuspage (REST API v1), as vendor actions."""

from integrations.statuspage.actions import StatuspageActions, StatuspageConnection

__all__ = ["StatuspageActions", "StatuspageConnection"]
