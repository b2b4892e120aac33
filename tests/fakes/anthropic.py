"""A fake Anthropic Messages API on 127.0.0.1 for the official SDK to talk to, unchanged.

``POST /v1/messages`` answers with the shapes of Anthropic's API reference: a ``message`` whose
content is one ``tool_use`` block for the tool the request forces, and a ``usage`` that imitates
prompt caching (the first request with a system text writes it to the cache, later ones read
it). It checks the key (``x-api-key`` or ``Authorization: Bearer``, as SDK versions differ;
401 ``authentication_error`` otherwise), records every request, and plays a script: each entry
is a tool input to answer with, a :class:`Failure` (429 with ``retry-after``, 529
``overloaded_error``...), :data:`HANG` (no answer until the server stops) or a
:class:`RawAnswer` (any status, body and content type: a 200 that is not JSON, a message without
``content``, a text answer with no tool call, another tool's call, an answer cut off at
``max_tokens``; see :func:`not_json`, :func:`no_content`, :func:`text_only`, :func:`wrong_tool`,
:func:`truncated`). Once the script is spent it answers with ``default``, which by default
echoes the first facts of the prompt back as grounded claims.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

__all__ = [
    "HANG",
    "Failure",
    "FakeAnthropic",
    "RawAnswer",
    "RecordedCall",
    "echo_facts",
    "facts_in",
    "no_content",
    "not_json",
    "overloaded",
    "rate_limited",
    "text_only",
    "truncated",
    "wrong_tool",
]

HANG: Literal["hang"] = "hang"
FACT_LINE = re.compile(r"^(E\d+): (.*)$", re.MULTILINE)
FACT_BLOCK = re.compile(r'<fact id="(E\d+)"[^>]*>(.*?)</fact>')
ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@dataclass(frozen=True)
class Failure:
    """Answer one request with this status, headers and Anthropic's error body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    message: str = "scripted failure"


@dataclass(frozen=True)
class RawAnswer:
    """Answer one request with exactly this: a status, a body (a dict is sent as JSON, with the
    message's ``id``, ``model`` and ``usage`` filled in when ``complete``), a content type."""

    body: str | dict[str, Any]
    status: int = 200
    content_type: str = "application/json"
    complete: bool = True


def not_json() -> RawAnswer:
    """A 200 whose body is not JSON (a proxy's error page)."""
    return RawAnswer("<html><body>502 upstream hiccup</body></html>", content_type="text/html")


def no_content() -> RawAnswer:
    """A message without ``content``."""
    return RawAnswer({"type": "message", "role": "assistant", "stop_reason": "end_turn"})


def text_only(text: str = "The deploy broke it.") -> RawAnswer:
    """Prose instead of the tool call the request forced."""
    return RawAnswer({"content": [{"type": "text", "text": text}], "stop_reason": "end_turn"})


def wrong_tool(name: str = "run_command") -> RawAnswer:
    """A call of a tool the request never offered."""
    call = {"type": "tool_use", "id": "toolu_wrong", "name": name, "input": {"cmd": "rm -rf /"}}
    return RawAnswer({"content": [call], "stop_reason": "tool_use"})


def truncated() -> RawAnswer:
    """An answer cut off at ``max_tokens``: the tool's input is incomplete."""
    call = {
        "type": "tool_use",
        "id": "toolu_cut",
        "name": "report_claims",
        "input": {"claims": [{"text": "The deploy"}]},
    }
    return RawAnswer({"content": [call], "stop_reason": "max_tokens"})


def rate_limited(retry_after: float) -> Failure:
    return Failure(429, {"retry-after": f"{retry_after:g}"}, "Number of requests has exceeded")


def overloaded() -> Failure:
    return Failure(529, {}, "Overloaded")


@dataclass(frozen=True)
class RecordedCall:
    headers: Mapping[str, str]
    body: dict[str, Any]

    @property
    def prompt(self) -> str:
        """The user message's text (the narrator sends one text message)."""
        content = self.body["messages"][0]["content"]
        if isinstance(content, str):
            return content
        return "".join(part.get("text", "") for part in content)

    @property
    def everything(self) -> str:
        """Every text the request carries, for checking that nothing secret went out."""
        system = "".join(block.get("text", "") for block in self.body.get("system", []))
        return system + "\n" + self.prompt


def facts_in(prompt: str) -> dict[str, str]:
    """The facts of a narrator prompt by id: its ``<fact id="E1" ...>text</fact>`` blocks
    (or ``E1: text`` lines)."""
    return dict(FACT_BLOCK.findall(prompt)) or dict(FACT_LINE.findall(prompt))


def echo_facts(invent: bool = False) -> Callable[[RecordedCall], dict[str, Any]]:
    """A default answer: one claim per fact (at most two), each repeating its fact; with
    ``invent``, also one claim citing an id the prompt never gave (grounding must drop it)."""

    def answer(call: RecordedCall) -> dict[str, Any]:
        facts = list(facts_in(call.prompt).items())[:2]
        claims: list[dict[str, Any]] = [
            {"text": f"The evidence shows: {text}", "evidence_ids": [fid]} for fid, text in facts
        ]
        if invent:
            claims.append({"text": "A deploy nobody recorded broke it.", "evidence_ids": ["E99"]})
        return {"claims": claims}

    return answer


Step = Mapping[str, Any] | Failure | RawAnswer | Literal["hang"]


class FakeAnthropic:
    """One fake Anthropic account. Append to ``script``; read ``calls`` afterwards."""

    PATH = "/v1/messages"

    def __init__(
        self,
        *,
        api_key: str = "fake-anthropic-key",
        default: Callable[[RecordedCall], Mapping[str, Any]] | None = None,
    ) -> None:
        self.api_key = api_key
        self.script: list[Step] = []
        self.default = default or echo_facts()
        self.calls: list[RecordedCall] = []
        self._cached: set[str] = set()
        self._ids = itertools.count(1)
        self._release = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def __aenter__(self) -> FakeAnthropic:
        app = web.Application()
        app.router.add_post(self.PATH, self._messages)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}"
        return self

    async def __aexit__(self, *_: object) -> None:
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    @staticmethod
    def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> web.Response:
        body = {
            "type": "error",
            "error": {"type": ERROR_TYPES.get(status, "api_error"), "message": message},
        }
        return web.json_response(body, status=status, headers=dict(headers or {}))

    async def _messages(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        call = RecordedCall(dict(request.headers), body)
        self.calls.append(call)
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        if self.api_key not in (request.headers.get("x-api-key"), bearer):
            return self._error(401, "invalid x-api-key")
        for name in ("model", "max_tokens", "messages"):
            if name not in body:
                return self._error(400, f"{name}: Field required")
        step: Step = self.script.pop(0) if self.script else self.default(call)
        if step == HANG:
            await self._release.wait()
            return self._error(500, "server stopping")
        if isinstance(step, Failure):
            return self._error(step.status, step.message, step.headers)
        if isinstance(step, RawAnswer):
            return self._raw(body, step)
        assert isinstance(step, Mapping)
        return web.json_response(self._message(body, dict(step)))

    def _raw(self, body: dict[str, Any], answer: RawAnswer) -> web.Response:
        if isinstance(answer.body, str):
            return web.Response(
                text=answer.body, status=answer.status, content_type=answer.content_type
            )
        message = dict(answer.body)
        if answer.complete:
            base = self._message(body, {})
            base.pop("content")
            message = {**base, **message}
        return web.json_response(message, status=answer.status)

    def _message(self, body: dict[str, Any], tool_input: dict[str, Any]) -> dict[str, Any]:
        n = next(self._ids)
        choice = body.get("tool_choice") or {}
        name = choice.get("name") or (body.get("tools") or [{"name": "tool"}])[0]["name"]
        system = "".join(block.get("text", "") for block in body.get("system", []))
        cached = any("cache_control" in block for block in body.get("system", []))
        system_tokens = len(system) // 4
        created = read = 0
        if cached and system in self._cached:
            read = system_tokens
        elif cached:
            created = system_tokens
            self._cached.add(system)
        prompt_tokens = len(str(body["messages"])) // 4 + (0 if cached else system_tokens)
        return {
            "id": f"msg_fake{n:06d}",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [
                {"type": "tool_use", "id": f"toolu_fake{n:06d}", "name": name, "input": tool_input}
            ],
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {
                "input_tokens": prompt_tokens,
                "output_tokens": len(str(tool_input)) // 4,
                "cache_creation_input_tokens": created,
                "cache_read_input_tokens": read,
            },
        }
