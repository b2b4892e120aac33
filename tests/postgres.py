"""A throwaway PostgreSQL server for the test session, from the machine's Debian binaries.

``make test`` installs Debian's ``postgresql`` package when it is missing. The server runs on
127.0.0.1 with durability switched off (tests need speed, not crash safety of the test server),
and every test gets a database of its own. Set ``TEST_POSTGRES_URL`` (an asyncpg URL to a server
where the user may create databases) to use an existing server instead.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from tests.harness.ports import free_port

__all__ = ["PostgresServer", "find_bindir", "running_postgres"]


def find_bindir() -> Path | None:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda path: int(Path(path).parent.parent.name),
    )
    return Path(candidates[-1]).parent if candidates else None


class PostgresServer:
    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url  # postgresql+asyncpg://user@host:port/postgres

    def url_for(self, database: str) -> str:
        return self.admin_url.rsplit("/", 1)[0] + f"/{database}"


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a server for the duration of the block (or use ``TEST_POSTGRES_URL``)."""
    if url := os.environ.get("TEST_POSTGRES_URL"):
        yield PostgresServer(url)
        return
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError(
            "PostgreSQL binaries not found under /usr/lib/postgresql: run `make test`, which "
            "installs Debian's postgresql package, or set TEST_POSTGRES_URL"
        )
    root = Path(tempfile.mkdtemp(prefix="incident-bot-pg-"))
    data, sockets = root / "data", root / "sockets"
    data.mkdir()
    sockets.mkdir()
    # initdb refuses to run as root: run the server as the postgres user when we are root.
    run_as: list[str] = []
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (root, data, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    log = root / "server.log"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True}
    subprocess.run(
        [
            *run_as,
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        **quiet,  # type: ignore[arg-type]
    )
    options = (
        f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        [
            *run_as,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(log),
            "-w",
            "-t",
            "60",
            "start",
        ],
        **quiet,  # type: ignore[arg-type]
    )
    try:
        yield PostgresServer(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres")
    finally:
        subprocess.run(
            [*run_as, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        shutil.rmtree(root, ignore_errors=True)


@contextlib.asynccontextmanager
async def fresh_database(server: PostgresServer, prefix: str = "t_") -> AsyncIterator[str]:
    """A new, empty database on ``server`` for the block (its URL); dropped afterwards, even
    with connections a killed bot left open."""
    name = prefix + uuid.uuid4().hex[:16]
    admin = create_async_engine(server.admin_url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.url_for(name)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
