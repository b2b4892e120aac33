"""File-backed ``FlagSource`` and ``CalendarSource``.

A file is read when the source is built, so a bad file stops start-up with a
:class:`~bot.errors.ConfigFileError` naming file, line and key. Afterwards the file is read
again whenever its modification time or size changes (whoever flips a flag or announces a
freeze edits the file; the bot need not restart). A file that turns bad while the bot runs makes
the source unavailable, with the same file-line-key message in the packet, until it is fixed:
answering from the last good copy would hide that the evidence may be stale.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel

from bot.configfile import FileModel, load_yaml_model
from bot.errors import ConfigFileError, SourceUnavailableError
from bot.evidence.changes import select_flag_changes, select_windows
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import ChangeWindow, FlagChange
from bot.scenario.world import CalendarEntry
from bot.scenario.world import FlagChange as FlagRecord

__all__ = ["CalendarFile", "CalendarFileSource", "FlagFile", "FlagFileSource"]

M = TypeVar("M", bound=BaseModel)


class FlagFile(FileModel):
    """``flags:`` and a list of ``{at, key, service?, change}``."""

    flags: tuple[FlagRecord, ...]


class CalendarFile(FileModel):
    """``calendar:`` and a list of ``{start, end, kind: freeze|maintenance, services?, note?}``."""

    calendar: tuple[CalendarEntry, ...]


class _WatchedFile(Generic[M]):
    """The validated contents of one file, read again when the file changes."""

    def __init__(self, path: Path, model: type[M]) -> None:
        self._path = path
        self._model = model
        self._stamp = self._stat()
        self._value = load_yaml_model(path, model)  # raises ConfigFileError: start-up stops

    def _stat(self) -> tuple[int, int] | None:
        try:
            status = os.stat(self._path)
        except OSError:
            return None
        return (status.st_mtime_ns, status.st_size)

    def _current(self, source: str) -> M:
        stamp = self._stat()
        if stamp != self._stamp or stamp is None:
            try:
                value = load_yaml_model(self._path, self._model)
            except ConfigFileError as exc:
                raise SourceUnavailableError(source, str(exc)) from exc
            self._value, self._stamp = value, stamp
        return self._value

    async def current(self, source: str) -> M:
        """The file as it is now; raise ``SourceUnavailableError`` when it is no longer valid."""
        return await asyncio.to_thread(self._current, source)


class FlagFileSource:
    """Implements ``FlagSource`` over a flag-changes file."""

    name = "flag file"

    def __init__(self, path: Path) -> None:
        self._file = _WatchedFile(path, FlagFile)

    async def flag_changes(self, query: EvidenceQuery) -> Sequence[FlagChange]:
        flags = (await self._file.current(self.name)).flags
        return select_flag_changes((record.to_evidence() for record in flags), query)


class CalendarFileSource:
    """Implements ``CalendarSource`` over a change-calendar file."""

    name = "change calendar"

    def __init__(self, path: Path) -> None:
        self._file = _WatchedFile(path, CalendarFile)

    async def change_windows(self, query: EvidenceQuery) -> Sequence[ChangeWindow]:
        calendar = (await self._file.current(self.name)).calendar
        return select_windows((entry.to_window() for entry in calendar), query)
