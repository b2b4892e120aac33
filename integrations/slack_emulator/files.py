"""The ``files.*`` upload flow Slack has in place of the retired ``files.upload``:
``files.getUploadURLExternal`` promises a file's name and length and hands out a one-time upload
URL (here, on the emulator itself); the bytes are POSTed there, raw or as a multipart form,
without a token; ``files.completeUploadExternal`` titles the uploaded files and shares them into
a channel (or a thread) as one message carrying a ``files`` array, as Slack shows it.

Errors follow Slack's: a zero or missing ``length`` is ``invalid_arguments``; completing an
unknown file, one whose bytes never arrived or one completed already is ``file_not_found``; the
channel is checked as for chat.postMessage (``channel_not_found``, ``not_in_channel``,
``is_archived``). The upload URL answers ``200 OK - <bytes>`` as text, and a body of the wrong
length with HTTP 400, which slack_sdk's ``files_upload_v2`` reports as a failed upload.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from typing import Any

from aiohttp import BodyPartReader, web

from integrations.slack_emulator.arguments import Arguments, SlackApiError
from integrations.slack_emulator.methods import MAX_TEXT, Handler, Methods
from integrations.slack_emulator.state import (
    Channel,
    Message,
    StoredFile,
    WorkspaceState,
    random_id,
)

__all__ = ["MAX_FILE_BYTES", "UPLOAD_PATH", "FileMethods"]

MAX_FILE_BYTES = 1024 * 1024 * 1024  # Slack's 1 GB per file
MAX_ALT_TXT = 1000
UPLOAD_PATH = "/upload/v1/"


class FileMethods(Methods):
    def __init__(self, state: WorkspaceState, base_url: Callable[[], str]) -> None:
        super().__init__(state)
        self.base_url = base_url
        self._by_key: dict[str, str] = {}  # upload key -> file id

    def handlers(self) -> dict[str, Handler]:
        return {
            "files.getUploadURLExternal": self.get_upload_url,
            "files.completeUploadExternal": self.complete_upload,
        }

    def get_upload_url(self, arguments: Arguments) -> dict[str, Any]:
        filename = arguments.text("filename")
        try:
            length = int(arguments.text("length") or 0)
        except ValueError as exc:
            raise SlackApiError("invalid_arguments") from exc
        if not filename or length <= 0:
            raise SlackApiError("invalid_arguments")
        if length > MAX_FILE_BYTES:
            raise SlackApiError("file_upload_size_restricted")
        alt_txt = arguments.optional("alt_txt")
        if alt_txt is not None and len(alt_txt) > MAX_ALT_TXT:
            raise SlackApiError("alt_txt_too_large")
        file_id = random_id("F")
        while file_id in self.state.files:
            file_id = random_id("F")
        key = secrets.token_urlsafe(24)
        self.state.files[file_id] = StoredFile(
            id=file_id,
            name=filename,
            length=length,
            user=self.bot,
            created=int(time.time()),
            upload_key=key,
            alt_txt=alt_txt,
        )
        self._by_key[key] = file_id
        return {"upload_url": f"{self.base_url()}{UPLOAD_PATH}{key}", "file_id": file_id}

    async def receive(self, request: web.Request) -> web.Response:
        """The upload URL: the file's bytes, raw or as a multipart form's (first) file part."""
        file_id = self._by_key.get(request.match_info["key"])
        stored = self.state.files.get(file_id) if file_id is not None else None
        if stored is None or stored.completed:
            return web.Response(status=404, text="not_found")
        if request.content_type == "multipart/form-data":
            content = await _multipart_file(request)
        else:
            content = await request.read()
        if content is None or len(content) != stored.length:
            return web.Response(status=400, text="length_mismatch")
        stored.content = content
        return web.Response(status=200, text=f"OK - {len(content)}")

    def _files_argument(self, arguments: Arguments) -> list[tuple[StoredFile, str | None]]:
        listed = arguments.structured("files", "invalid_arguments")
        if not isinstance(listed, list) or not listed:
            raise SlackApiError("invalid_arguments")
        chosen: list[tuple[StoredFile, str | None]] = []
        for item in listed:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise SlackApiError("invalid_arguments")
            stored = self.state.files.get(item["id"])
            # Slack knows no file before its bytes arrive, nor one shared already.
            if stored is None or stored.content is None or stored.completed:
                raise SlackApiError("file_not_found")
            title = item.get("title")
            chosen.append((stored, title if isinstance(title, str) and title else None))
        return chosen

    def _thread(self, channel: Channel, thread_ts: str | None) -> str | None:
        """A reply to a reply goes to its parent's thread, as for chat.postMessage."""
        if thread_ts is None:
            return None
        parent = self.state.find_message(channel.id, thread_ts)
        if parent is None or parent.ephemeral:
            raise SlackApiError("thread_not_found")
        return parent.thread_ts if parent.is_reply else parent.ts

    def complete_upload(self, arguments: Arguments) -> dict[str, Any]:
        chosen = self._files_argument(arguments)
        channel_ids = arguments.id_list("channels")
        if arguments.optional("channel_id") is not None:
            channel_ids = [arguments.text("channel_id")]
        channels = [self.channel(Arguments({"channel": value})) for value in channel_ids]
        for channel in channels:
            self.writable(channel)
        thread_ts = arguments.optional("thread_ts")
        if thread_ts is not None and len(channels) != 1:
            raise SlackApiError("invalid_arguments")  # a thread lives in exactly one channel
        comment = arguments.text("initial_comment")
        if len(comment) > MAX_TEXT:
            raise SlackApiError("msg_too_long")
        threads = [self._thread(channel, thread_ts) for channel in channels]
        for stored, title in chosen:
            stored.title = title or stored.name
            stored.completed = True
        base, team = self.base_url(), self.config.team_id
        for channel, thread in zip(channels, threads, strict=True):
            message = Message(
                channel=channel.id,
                ts=self.state.next_ts(),
                user=self.bot,
                text=comment,
                blocks=[],
                thread_ts=thread,
                team=team,
            )
            for stored, _title in chosen:
                share = {"ts": message.ts, "channel_name": channel.name, "team_id": team}
                if message.thread_ts is not None:
                    share["thread_ts"] = message.thread_ts
                stored.shares.setdefault(channel.id, []).append(share)
            message.files = [stored.to_api(base, team) for stored, _title in chosen]
            self.state.add_message(message)
        return {"files": [stored.to_api(base, team) for stored, _title in chosen]}


async def _multipart_file(request: web.Request) -> bytes | None:
    """The first part of a multipart body that carries a file (or, failing that, the first)."""
    reader = await request.multipart()
    first: bytes | None = None
    while True:
        part = await reader.next()
        if part is None:
            return first
        if not isinstance(part, BodyPartReader):  # pragma: no cover - nested multipart
            continue
        content = bytes(await part.read(decode=True))
        if part.filename is not None:
            return content
        if first is None:
            first = content
