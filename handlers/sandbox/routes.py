"""``GET /sandbox/incidents`` and ``GET /sandbox/incidents/{id}`` on the bot's web server, in
sandbox mode only: the incidents as JSON for the console the Slack emulator serves.

Read-only, unauthenticated and bound to the sandbox's 127.0.0.1: a production bot (with Slack
tokens) never adds these routes. The console reaches them through the emulator, which forwards
the request, so the emulator needs no database code and the page needs one origin only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.incident.board import ActionLine, IncidentLine, incident_board, incident_story

__all__ = ["INCIDENTS_PATH", "SandboxDeps", "add_sandbox_routes"]

INCIDENTS_PATH = "/sandbox/incidents"


@dataclass(frozen=True, slots=True)
class SandboxDeps:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _incident(line: IncidentLine) -> dict[str, Any]:
    return {
        "id": line.id,
        "ref": line.ref,
        "title": line.title,
        "severity": line.severity,
        "service": line.service,
        "status": line.status,
        "opened_at": _time(line.opened_at),
        "age_seconds": round(line.age_seconds),
        "channel_id": line.channel_id,
        "channel_name": line.channel_name,
    }


def _action(line: ActionLine) -> Mapping[str, Any]:
    return {
        "id": line.id,
        "kind": line.kind,
        "target": line.target,
        "state": line.state,
        "dry_run": line.dry_run,
        "proposed_by": line.proposed_by,
        "proposed_at": _time(line.proposed_at),
        "decided_by": line.decided_by,
        "decided_at": _time(line.decided_at),
        "result": line.result,
    }


def add_sandbox_routes(app: web.Application, deps: SandboxDeps) -> None:
    async def incidents(_request: web.Request) -> web.Response:
        async with deps.sessions() as session:
            board = await incident_board(session, now=deps.clock.now())
        return web.json_response({"ok": True, "incidents": [_incident(line) for line in board]})

    async def incident(request: web.Request) -> web.Response:
        number = request.match_info["number"]
        if not number.isdigit():
            return web.json_response({"ok": False, "error": "incident_not_found"}, status=404)
        async with deps.sessions() as session:
            story = await incident_story(session, int(number), now=deps.clock.now())
        if story is None:
            return web.json_response({"ok": False, "error": "incident_not_found"}, status=404)
        draft = story.postmortem
        return web.json_response(
            {
                "ok": True,
                "incident": _incident(story.incident),
                "timeline": list(story.timeline),
                "verification": {
                    "ok": story.chain.ok,
                    "rows": story.chain.rows,
                    "problem": story.chain.problem,
                },
                "actions": [_action(line) for line in story.actions],
                "postmortem": None
                if draft is None
                else {"file_id": draft.file_id, "filename": draft.filename, "at": _time(draft.at)},
            }
        )

    app.router.add_get(INCIDENTS_PATH, incidents)
    app.router.add_get(f"{INCIDENTS_PATH}/{{number}}", incident)
