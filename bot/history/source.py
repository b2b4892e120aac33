"""The history evidence port answered from the bot's own database (``incident_history``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.catalog import Catalog
from bot.errors import SourceUnavailableError
from bot.evidence.ports import EvidenceQuery
from bot.history import service as history
from bot.history.values import PastIncident

__all__ = ["StoredHistory"]


class StoredHistory:
    """Implements ``HistorySource``: the incidents this bot resolved before, of the asked
    service and of those that failed on a service it depends on (the catalog says which)."""

    name = "history"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        catalog: Catalog,
        *,
        limit: int = history.RECENT_LIMIT,
    ) -> None:
        self._sessions = sessions
        self._catalog = catalog
        self._limit = limit

    async def past_incidents(self, query: EvidenceQuery) -> Sequence[PastIncident]:
        try:
            async with self._sessions() as session:
                return await history.recent(
                    session,
                    service=query.service,
                    dependencies=self._catalog.dependencies(query.service),
                    until=query.until,
                    limit=self._limit,
                )
        except SQLAlchemyError as exc:
            raise SourceUnavailableError(
                self.name, f"database error ({type(exc).__name__})"
            ) from exc
