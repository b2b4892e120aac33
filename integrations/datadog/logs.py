"""``LogSource`` over Datadog's log search (``POST /api/v2/logs/events/search``).

Newest first, page by page (cursor in ``meta.page.after``), until the window is exhausted or
``limit`` lines are read; identical lines fold into one record with a count, oldest time kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial

from datadog_api_client.v2.api.logs_api import LogsApi
from datadog_api_client.v2.model.logs_list_request import LogsListRequest
from datadog_api_client.v2.model.logs_list_request_page import LogsListRequestPage
from datadog_api_client.v2.model.logs_list_response import LogsListResponse
from datadog_api_client.v2.model.logs_query_filter import LogsQueryFilter
from datadog_api_client.v2.model.logs_sort import LogsSort

from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import LogRecord
from integrations.datadog.client import DatadogConnection, ask_datadog, checked_service, field

__all__ = ["DatadogLogs"]

SCOPE = "logs_read_data"
# Datadog allows up to 1000 a page; smaller pages answer sooner under a deadline.
DEFAULT_PAGE_SIZE = 100
LEVELS = {"warning": "WARN", "warn": "WARN", "err": "ERROR"}


class DatadogLogs:
    """Implements ``LogSource``: warning and error lines of the service from Datadog."""

    name = "Datadog logs"

    def __init__(
        self,
        connection: DatadogConnection,
        *,
        search: str,
        limit: int,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> None:
        self._connection = connection
        self._page_size = page_size
        self._api = LogsApi(connection.api)  # type: ignore[no-untyped-call]  # untyped in the SDK
        self._search = search
        self._limit = limit

    async def logs(self, query: EvidenceQuery) -> Sequence[LogRecord]:
        service = checked_service(self.name, query.service)
        folded: dict[tuple[str, str], LogRecord] = {}
        cursor: str | None = None
        seen_cursors: set[str] = set()
        read = 0
        while read < self._limit:
            page = LogsListRequestPage(limit=min(self._page_size, self._limit - read))
            if cursor is not None:
                page.cursor = cursor
            body = LogsListRequest(
                filter=LogsQueryFilter(
                    query=self._search.replace("{service}", service),
                    _from=query.since.isoformat(),
                    to=query.until.isoformat(),
                ),
                page=page,
                sort=LogsSort.TIMESTAMP_DESCENDING,
            )
            response = await ask_datadog(
                partial(self._api.list_logs, body=body),
                LogsListResponse,
                source=self.name,
                scope=SCOPE,
                timeout=self._connection.request_timeout,
            )
            lines = list(field(response, "data") or [])
            for line in lines:
                attributes = field(line, "attributes")
                at = field(attributes, "timestamp") if attributes is not None else None
                if attributes is None or not isinstance(at, datetime):
                    continue
                record = LogRecord(
                    at=at,
                    service=str(field(attributes, "service") or query.service),
                    level=_level(field(attributes, "status")),
                    message=str(field(attributes, "message") or ""),
                )
                _fold(folded, record)
            read += len(lines)
            meta = field(response, "meta")
            page_meta = field(meta, "page") if meta is not None else None
            cursor = field(page_meta, "after") if page_meta is not None else None
            # A repeated cursor would loop forever on a misbehaving server.
            if not lines or cursor is None or cursor in seen_cursors:
                break
            seen_cursors.add(cursor)
        return sorted(folded.values(), key=lambda record: record.at)


def _level(status: object) -> str:
    word = str(status or "unknown").lower()
    return LEVELS.get(word, word.upper())


def _fold(folded: dict[tuple[str, str], LogRecord], record: LogRecord) -> None:
    key = (record.level, record.message)
    known = folded.get(key)
    if known is None:
        folded[key] = record
    else:
        folded[key] = LogRecord(
            at=min(known.at, record.at),
            service=known.service,
            level=known.level,
            message=known.message,
            count=known.count + 1,
        )
