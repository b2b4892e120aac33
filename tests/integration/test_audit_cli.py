"""The ``audit`` commands with a key: ``keygen`` makes one, a bad one stops the command with
exit 2 naming the variable (never the value), ``digest`` writes a signed digest, ``verify``
checks rows, signatures and digests and says what it could not check without a key."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.audit import writer as writers
from bot.audit.keys import load_keys, public_text
from bot.clock import FixedClock
from bot.errors import ConfigError

KEYGEN = [sys.executable, "-m", "bot.cli", "audit", "keygen"]


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def keygen() -> tuple[str, str]:
    out = subprocess.run(KEYGEN, capture_output=True, text=True, timeout=60, check=True).stdout
    pairs = dict(line.split("=", 1) for line in out.splitlines() if not line.startswith("#"))
    return pairs["AUDIT_SIGNING_KEY"], pairs["AUDIT_VERIFY_KEY"]


def test_keygen_prints_a_key_pair_that_loads() -> None:
    private, public = keygen()

    keys = load_keys(private, public)

    assert keys.signer is not None
    assert keys.verifier is not None
    assert public_text(keys.verifier) == public


def test_a_pem_file_works_as_the_signing_key(tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "audit.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

    keys = load_keys(str(path), None)

    assert keys.verifier is not None
    assert public_text(keys.verifier) == public_text(key.public_key())


@pytest.mark.parametrize(
    ("signing", "verify", "named"),
    [
        ("bm90IGEga2V5IGF0IGFsbA==", None, "AUDIT_SIGNING_KEY"),  # base64, but 14 bytes
        ("/no/such/key.pem", None, "AUDIT_SIGNING_KEY"),
        (None, "c2hvcnQ=", "AUDIT_VERIFY_KEY"),
    ],
)
def test_a_bad_key_is_refused_naming_the_variable_not_the_value(
    signing: str | None, verify: str | None, named: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        load_keys(signing, verify)

    assert named in str(caught.value)
    assert (signing or verify or "") not in str(caught.value)


def test_a_verify_key_that_is_not_the_signing_keys_half_is_refused() -> None:
    private, _ = keygen()
    _, other = keygen()

    with pytest.raises(ConfigError, match="not the public half"):
        load_keys(private, other)


def test_a_bad_signing_key_stops_a_command_with_exit_2(tmp_path: Path) -> None:
    secret = "c2VjcmV0LWJ1dC1tYWxmb3JtZWQ="
    database = f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}"

    result = cli({"DATABASE_URL": database, "AUDIT_SIGNING_KEY": secret}, "audit", "verify")

    assert result.returncode == 2
    assert "AUDIT_SIGNING_KEY" in result.stderr
    assert secret not in result.stderr + result.stdout


@pytest.fixture
async def signed(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> AsyncIterator[tuple[str, str]]:
    """Three rows signed with a fresh key pair (private, public), written by this process."""
    private, public = keygen()
    writers.use_signing_key(load_keys(private, None).signer)
    try:
        for number in range(3):
            async with sessions() as session, session.begin():
                await audit.append(
                    session, clock=clock, actor="U0ALICE", event="test.event", details={"n": number}
                )
            clock.advance(timedelta(seconds=1))
        yield private, public
    finally:
        writers.use_signing_key(None)


async def test_digest_then_verify_then_a_wiped_trail_fails_verify(
    sessions, database_url, signed, tmp_path
) -> None:
    private, public = signed
    folder = tmp_path / "digests"
    env = {"DATABASE_URL": database_url, "AUDIT_DIGEST_DIR": str(folder)}

    digest = cli({**env, "AUDIT_SIGNING_KEY": private}, "audit", "digest")
    assert digest.returncode == 0, digest.stderr
    assert "digest 1 written" in digest.stdout
    assert "3 rows in 1 chain" in digest.stdout

    good = cli({**env, "AUDIT_VERIFY_KEY": public}, "audit", "verify")
    assert good.returncode == 0, good.stderr
    assert "verified: 3 rows in 1 chain, 3 signatures checked" in good.stdout
    assert "1 digest" in good.stdout

    async with sessions() as session, session.begin():
        await session.execute(text("DELETE FROM audit_log"))
        await session.execute(text("DELETE FROM audit_chains"))

    unkeyed = cli(env, "audit", "verify")
    assert unkeyed.returncode == 0, unkeyed.stderr
    assert "verified: 0 rows" in unkeyed.stdout
    assert "only the hash chains were checked" in unkeyed.stdout

    wiped = cli({**env, "AUDIT_VERIFY_KEY": public}, "audit", "verify")
    assert wiped.returncode == 1
    assert "audit trail BROKEN: the audit trail was wiped" in wiped.stderr
    assert "verified" not in wiped.stdout


async def test_digest_needs_the_private_key(database_url, signed, tmp_path) -> None:
    _, public = signed
    env = {"DATABASE_URL": database_url, "AUDIT_DIGEST_DIR": str(tmp_path / "digests")}

    result = cli({**env, "AUDIT_VERIFY_KEY": public}, "audit", "digest")

    assert result.returncode == 2
    assert "needs AUDIT_SIGNING_KEY" in result.stderr
