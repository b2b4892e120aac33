"""Watches: ``GET ...?watch=true`` answered with a stream of ``WatchEvent`` lines (``{"type":
"ADDED"|"MODIFIED"|"DELETED"|"ERROR", "object": ...}``), as the API server streams them, each
object carrying the resourceVersion of its write. A watch from ``resourceVersion=N`` sends every
write after N, then waits for more; without one (or with ``0``) it first sends the objects there
are as ``ADDED``. With ``sendInitialEvents=true`` (client-go's streaming list, which ``kubectl
rollout status`` uses) it sends the objects there are and then a ``BOOKMARK`` annotated
``k8s.io/initial-events-end``, the sign the list is done. A version older than the history kept
is answered with an ``ERROR`` event holding a 410 ``Expired`` Status, as etcd's compaction makes
a cluster do. An object that stops matching the watch's selectors is sent as ``DELETED``, one
that starts to as ``ADDED``. The stream ends after ``timeoutSeconds`` or when the emulator
stops. Asked for a ``Table``, each event's object is a one-row Table (the first with its column
definitions).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from integrations.kube_emulator.status import ApiError, Resource
from integrations.kube_emulator.store import Store, WatchEntry
from integrations.kube_emulator.tables import table

__all__ = ["Watches"]

Obj = dict[str, Any]
MAX_SECONDS = 1800.0


class Watches:
    def __init__(self, store: Store, now: Callable[[], datetime]) -> None:
        self._store = store
        self._now = now
        self._changed = asyncio.Event()
        self._closed = False

    def wake(self) -> None:
        """Something was written: every waiting watch looks again."""
        self._changed.set()
        self._changed = asyncio.Event()

    def close(self) -> None:
        self._closed = True
        self.wake()

    async def stream(
        self,
        request: web.Request,
        resource: Resource,
        api_version: str,
        matches: Callable[[Obj], bool],
        as_table: bool,
    ) -> web.StreamResponse:
        query = request.query
        try:
            seconds = float(query.get("timeoutSeconds", MAX_SECONDS))
            since = int(query.get("resourceVersion") or 0)
        except ValueError as exc:
            raise ApiError(400, "BadRequest", f"invalid watch parameter: {exc}") from exc
        media = "application/json;as=Table;v=v1;g=meta.k8s.io" if as_table else "application/json"
        response = web.StreamResponse(headers={"Content-Type": media})
        response.enable_chunked_encoding()
        await response.prepare(request)
        state = _Stream(response, resource, api_version, as_table, self._now)
        if (
            since
            and query.get("sendInitialEvents") != "true"
            and since < self._store.oldest_watchable()
        ):
            await state.expired(since, self._store.oldest_watchable())
            return response
        initial = query.get("sendInitialEvents")
        try:
            await self._follow(request, state, resource, matches, since, initial, seconds)
        except ConnectionError:
            return response  # the client went away
        return response

    async def _follow(
        self,
        request: web.Request,
        state: _Stream,
        resource: Resource,
        matches: Callable[[Obj], bool],
        since: int,
        initial: str | None,
        seconds: float,
    ) -> None:
        cursor = since
        if initial == "true" or (not since and initial is None):
            cursor = self._store.resource_version
            for obj in self._store.all(resource, request.match_info.get("namespace")):
                if matches(obj):
                    await state.send("ADDED", obj)
            if initial == "true":
                await state.bookmark(cursor, initial_events_end=True)
        elif not since:
            cursor = self._store.resource_version
        end = time.monotonic() + min(max(seconds, 0.0), MAX_SECONDS)
        while not self._closed and time.monotonic() < end:
            changed = self._changed
            fresh = [e for e in self._store.history if e.resource_version > cursor]
            for entry in fresh:
                cursor = entry.resource_version
                if entry.resource == resource.plural:
                    seen = self._as_seen(entry, matches)
                    if seen is not None:
                        await state.send(seen, entry.obj)
            if fresh:
                continue
            try:
                await asyncio.wait_for(changed.wait(), timeout=end - time.monotonic())
            except TimeoutError:
                break
        await state.response.write_eof()

    def _as_seen(self, entry: WatchEntry, matches: Callable[[Obj], bool]) -> str | None:
        """The event a watcher with these selectors gets for ``entry``, as the watch cache
        sends it: an object that stops matching is ``DELETED`` for it, one that starts to is
        ``ADDED``; None when it neither matched nor matches."""
        now = entry.type != "DELETED" and matches(entry.obj)
        before = self._matched_before(entry, matches)
        if now and before:
            return "MODIFIED"
        if now:
            return "ADDED"
        return "DELETED" if before else None

    def _matched_before(self, entry: WatchEntry, matches: Callable[[Obj], bool]) -> bool:
        if entry.type == "ADDED":
            return False
        key = (entry.obj["metadata"].get("namespace"), entry.obj["metadata"]["name"])
        for earlier in reversed(self._store.history):
            if earlier.resource_version >= entry.resource_version:
                continue
            meta = earlier.obj["metadata"]
            if earlier.resource == entry.resource and (meta.get("namespace"), meta["name"]) == key:
                return earlier.type != "DELETED" and matches(earlier.obj)
        return matches(entry.obj)  # its earlier versions are out of the history: no transition


class _Stream:
    def __init__(
        self,
        response: web.StreamResponse,
        resource: Resource,
        api_version: str,
        as_table: bool,
        now: Callable[[], datetime],
    ) -> None:
        self.response = response
        self.resource = resource
        self.api_version = api_version
        self.as_table = as_table
        self.now = now
        self.headers_sent = False

    async def _line(self, event: Obj) -> None:
        await self.response.write(json.dumps(event).encode() + b"\n")

    async def send(self, kind: str, obj: Obj) -> None:
        if self.as_table:
            shown: Obj = table(
                self.resource.kind,
                self.api_version,
                [obj],
                now=self.now(),
                resource_version=obj["metadata"]["resourceVersion"],
                headers=not self.headers_sent,
            )
            self.headers_sent = True
        else:
            shown = {"kind": self.resource.kind, "apiVersion": self.api_version, **obj}
        await self._line({"type": kind, "object": shown})

    async def bookmark(self, resource_version: int, *, initial_events_end: bool) -> None:
        metadata: Obj = {"resourceVersion": str(resource_version)}
        if initial_events_end:
            metadata["annotations"] = {"k8s.io/initial-events-end": "true"}
        shown = {"kind": self.resource.kind, "apiVersion": self.api_version, "metadata": metadata}
        await self._line({"type": "BOOKMARK", "object": shown})

    async def expired(self, since: int, oldest: int) -> None:
        status = ApiError(
            410, "Expired", f"too old resource version: {since} ({oldest})", {}
        ).body()
        await self._line({"type": "ERROR", "object": status})
