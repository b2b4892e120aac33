"""The kinds of action the bot can suggest or run (the scenario format's list)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["TELLING_KINDS", "ActionKind"]


class ActionKind(StrEnum):
    ROLLBACK = "rollback"
    RESTART = "restart"
    SCALE = "scale"
    CONFIG_CHANGE = "config_change"
    FLAG_OFF = "flag_off"
    RERUN_JOB = "rerun_job"
    FAILOVER = "failover"
    STATUS_UPDATE = "status_update"
    PAGE_OWNER = "page_owner"
    OPEN_TICKET = "open_ticket"

    @property
    def label(self) -> str:
        """How people read the kind: ``config_change`` -> ``Config change``."""
        return self.value.replace("_", " ").capitalize()


TELLING_KINDS = frozenset({ActionKind.STATUS_UPDATE, ActionKind.PAGE_OWNER, ActionKind.OPEN_TICKET})
"""Kinds that tell people (customers, owners, a tracker) and change nothing in the system: an
incident is never recorded as fixed by one of them."""
