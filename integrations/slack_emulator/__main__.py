"""``python -m integrations.slack_emulator``: run the emulator alone, for outside tools."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

from integrations.slack_emulator.config import EmulatorConfig
from integrations.slack_emulator.server import serve_forever
from integrations.slack_emulator.workspace import WorkspaceFileError, load_workspace

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m integrations.slack_emulator",
        description="A local Slack workspace: Web API, Socket Mode and a control API.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=3000, help="0 for any free port")
    parser.add_argument("--workspace", type=Path, help="a workspace YAML file")
    parser.add_argument(
        "--no-rate-limits", action="store_true", help="answer every call, however fast"
    )
    args = parser.parse_args(argv)
    try:
        workspace = load_workspace(args.workspace)
    except WorkspaceFileError as exc:
        print(exc, file=sys.stderr)
        return 2
    config = EmulatorConfig(
        host=args.host, port=args.port, rate_limits_enabled=not args.no_rate_limits
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_forever(config, workspace))
    return 0


if __name__ == "__main__":
    sys.exit(main())
