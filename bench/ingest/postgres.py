"""A PostgreSQL server for the ingest benchmark: ``BENCH_POSTGRES_URL`` (an asyncpg URL to a
server where the user may create databases), or a throwaway one from the machine's Debian
binaries with the durability a production server keeps (``fsync`` and synchronous commits on,
unlike the tests' server), on 127.0.0.1. Each measurement gets a fresh database."""

from __future__ import annotations

import contextlib
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
from tests.postgres import find_bindir

__all__ = ["durable_postgres", "fresh_database"]


@contextlib.contextmanager
def durable_postgres() -> Iterator[str]:
    """The admin URL of a server for the duration of the block."""
    if url := os.environ.get("BENCH_POSTGRES_URL"):
        yield url
        return
    bindir = find_bindir()
    if bindir is None:
        raise RuntimeError(
            "no PostgreSQL binaries under /usr/lib/postgresql: set BENCH_POSTGRES_URL"
        )
    root = Path(tempfile.mkdtemp(prefix="bench-ingest-pg-"))
    data, sockets = root / "data", root / "sockets"
    data.mkdir()
    sockets.mkdir()
    run_as: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as the postgres user
        owner = pwd.getpwnam("postgres")
        for path in (root, data, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        run_as = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    initdb = [
        str(bindir / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
    ]
    subprocess.run(
        [*run_as, *initdb], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True
    )
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c max_connections=200"
    ctl = str(bindir / "pg_ctl")
    log = str(root / "server.log")
    start = [ctl, "-D", str(data), "-o", options, "-l", log, "-w", "-t", "60", "start"]
    subprocess.run([*run_as, *start], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    finally:
        stop = [ctl, "-D", str(data), "-m", "fast", "-w", "stop"]
        subprocess.run([*run_as, *stop], capture_output=True, check=False)
        shutil.rmtree(root, ignore_errors=True)


@contextlib.asynccontextmanager
async def fresh_database(admin_url: str) -> AsyncIterator[str]:
    name = "bench_" + uuid.uuid4().hex[:12]
    admin = create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()
