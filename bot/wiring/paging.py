"""The PagerDuty and feature-flag builder: the write-back sweep, ``page_owner``, the paging of a
failed action, and ``flag_off``/``flag_on``, from the settings (``integrations.paging_and_flags``;
in sandbox mode, against local stand-ins for what the settings leave unconfigured).

:func:`start_paging` runs before the executors are built: it hands the executors and the owner
paging to the registry through ``setup.paging`` (:data:`bot.wiring.actions.EXECUTORS`' ``vendors``
and ``paging`` entries), starts the write-back, and pushes its stop onto ``setup.resources``.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.wiring.actions import ExecutorSetup
from integrations.paging_and_flags import (
    PagingAndFlags,
    load_paging_settings,
    start_paging_and_flags,
)

__all__ = ["start_paging"]


async def start_paging(
    setup: ExecutorSetup, *, sessions: async_sessionmaker[AsyncSession]
) -> PagingAndFlags:
    """Build what the settings configure, start the write-back sweep; a bad setting is a
    ConfigError naming the variable."""
    built = await start_paging_and_flags(
        load_paging_settings(), sessions=sessions, clock=setup.clock, sandbox=setup.settings.sandbox
    )
    setup.resources.push_async_callback(built.close)
    setup.stand_ins.update(built.stand_ins)
    setup.paging = built
    built.start()
    return built
