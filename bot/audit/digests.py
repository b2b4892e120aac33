"""Signed digest files: every chain's length and newest hash at a moment, signed with the audit
key, written where the bot can only add files (CloudTrail's digest files are the model).

A digest names the SHA-256 of the digest before it, so the files form a chain of their own:
deleting, replacing or editing one is detected by the next. Files are ``digest-00000001.json``,
``-00000002``... in one folder; a number is taken with an exclusive create, so replicas sharing
the folder continue one digest chain instead of forking it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bot.audit.keys import key_id, sign, signature_valid
from bot.audit.verification import Anchor, Anchors
from bot.clock import utc
from bot.errors import AuditTrailError

__all__ = [
    "DIGEST_SIGNATURE",
    "Digest",
    "StoredDigest",
    "anchors_of",
    "load_digests",
    "newest_digest",
    "signed_by",
    "signed_digest",
    "write_digest",
]

DIGEST_SIGNATURE = b"incident-bot audit digest"
FORMAT = "incident-bot audit digest 1"
_NAME = re.compile(r"^digest-(\d{8})\.json$")


@dataclass(frozen=True, slots=True)
class Digest:
    number: int
    at: datetime
    writer: str  # the chain of the process that took it
    key: str  # key_id of the signing key
    previous: str | None  # SHA-256 of the previous digest file's bytes; None for the first
    chains: Mapping[str, Anchor]
    problems: tuple[str, ...] = ()  # what the digester refused to vouch for, and why
    signature: str = ""

    @property
    def rows(self) -> int:
        return sum(anchor.length for anchor in self.chains.values())

    def body(self) -> dict[str, Any]:
        """Everything the signature covers."""
        return {
            "format": FORMAT,
            "number": self.number,
            "at": utc(self.at).isoformat(),
            "writer": self.writer,
            "key": self.key,
            "previous": self.previous,
            "chains": {
                chain: {"length": anchor.length, "hash": anchor.hash}
                for chain, anchor in sorted(self.chains.items())
            },
            "rows": self.rows,
            "problems": list(self.problems),
        }


@dataclass(frozen=True, slots=True)
class StoredDigest:
    path: Path
    raw: bytes = field(repr=False)
    digest: Digest

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


def _canonical(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def signed_digest(unsigned: Digest, signer: Ed25519PrivateKey) -> Digest:
    signature = sign(signer, DIGEST_SIGNATURE, _canonical(unsigned.body()))
    return Digest(
        unsigned.number,
        unsigned.at,
        unsigned.writer,
        unsigned.key,
        unsigned.previous,
        unsigned.chains,
        unsigned.problems,
        signature,
    )


def _render(digest: Digest) -> bytes:
    return (json.dumps({**digest.body(), "signature": digest.signature}, indent=1) + "\n").encode()


def _parse(path: Path, raw: bytes) -> Digest:
    try:
        data = json.loads(raw)
        if data["format"] != FORMAT:
            raise ValueError(f"unknown format {data['format']!r}")
        chains = {
            str(chain): Anchor(int(value["length"]), str(value["hash"]))
            for chain, value in data["chains"].items()
        }
        return Digest(
            number=int(data["number"]),
            at=datetime.fromisoformat(data["at"]),
            writer=str(data["writer"]),
            key=str(data["key"]),
            previous=None if data["previous"] is None else str(data["previous"]),
            chains=chains,
            problems=tuple(str(problem) for problem in data["problems"]),
            signature=str(data["signature"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AuditTrailError(f"digest file {path.name} does not parse ({exc})") from None


def _numbered(folder: Path) -> list[tuple[int, Path]]:
    if not folder.is_dir():
        return []
    found = [
        (int(match[1]), path) for path in folder.iterdir() if (match := _NAME.match(path.name))
    ]
    return sorted(found)


def newest_digest(folder: Path) -> StoredDigest | None:
    numbered = _numbered(folder)
    if not numbered:
        return None
    _, path = numbered[-1]
    raw = path.read_bytes()
    return StoredDigest(path, raw, _parse(path, raw))


def write_digest(folder: Path, digest: Digest) -> Path | None:
    """Create ``digest-<number>.json`` whole; None when another process took that number first
    (the caller reads the newest again and retries). The file is written under a temporary name
    and linked into place (``link`` fails when the name exists), so no reader ever sees half a
    digest, and nothing is ever overwritten: the folder may be one the bot can only add to
    (``chattr +a``, a WORM bucket mount), where the temporary name then stays behind."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"digest-{digest.number:08d}.json"
    draft = folder / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    handle = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444)
    try:
        os.write(handle, _render(digest))
        os.fsync(handle)
    finally:
        os.close(handle)
    try:
        os.link(draft, path)
    except FileExistsError:
        return None
    finally:
        with contextlib.suppress(OSError):
            draft.unlink()
    return path


def signed_by(stored: StoredDigest, key: Ed25519PublicKey) -> bool:
    digest = stored.digest
    return digest.key == key_id(key) and signature_valid(
        key, DIGEST_SIGNATURE, _canonical(digest.body()), digest.signature
    )


def _check(
    stored: StoredDigest, number: int, before: StoredDigest | None, key: Ed25519PublicKey
) -> None:
    digest, name = stored.digest, stored.path.name
    if digest.number != number:
        raise AuditTrailError(f"digest file {name} says it is digest {digest.number}")
    if digest.key != key_id(key):
        raise AuditTrailError(
            f"digest {number} was signed by key {digest.key}, not by the configured key "
            f"{key_id(key)}"
        )
    if not signature_valid(key, DIGEST_SIGNATURE, _canonical(digest.body()), digest.signature):
        raise AuditTrailError(
            f"digest {number} was altered or forged: its signature does not match"
        )
    expected = None if before is None else before.sha256
    if digest.previous != expected:
        raise AuditTrailError(
            f"digest {number} does not name digest {number - 1} as it was written: "
            f"digest {number - 1} was replaced or edited"
            if before is not None
            else f"digest {number} names a predecessor that is not in the folder"
        )


def load_digests(folder: Path, key: Ed25519PublicKey) -> Sequence[StoredDigest]:
    """Every digest in ``folder``, checked: numbered 1, 2, 3... without a gap, each signed by
    ``key`` and naming the one before it. Raises :class:`AuditTrailError` at the first that is
    not. (The newest file's deletion cannot be seen here: the next digest is what would name it.)"""
    stored: list[StoredDigest] = []
    for expected, (number, path) in enumerate(_numbered(folder), start=1):
        if number != expected:
            missing = f"{expected}" if number == expected + 1 else f"{expected} to {number - 1}"
            raise AuditTrailError(f"digest {missing} is missing from {folder} (deleted)")
        raw = path.read_bytes()
        current = StoredDigest(path, raw, _parse(path, raw))
        _check(current, number, stored[-1] if stored else None, key)
        stored.append(current)
    return stored


def anchors_of(stored: StoredDigest | None) -> Anchors:
    if stored is None:
        return Anchors("no digest", {})
    return Anchors(f"digest {stored.digest.number}", stored.digest.chains)
