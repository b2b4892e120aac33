"""The audit trail's Ed25519 key: it signs each row's hash and every digest, and the database
never holds it (it comes from the environment only).

``AUDIT_SIGNING_KEY`` is the private key, as base64 of its 32 raw bytes or the path of a PEM
file (PKCS#8); ``AUDIT_VERIFY_KEY`` the public key alone, the same two ways, for hosts that only
verify. A key that does not parse stops start-up with a :class:`ConfigError` that names the
variable, never the value.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from bot.errors import ConfigError

__all__ = [
    "AuditKeys",
    "key_id",
    "load_keys",
    "new_key_pair",
    "public_text",
    "sign",
    "signature_valid",
]

RAW_KEY_BYTES = 32


@dataclass(frozen=True, slots=True)
class AuditKeys:
    """The signing key when this process may sign, and the public key to check with (the
    signing key's own, or ``AUDIT_VERIFY_KEY``); both None when no key is configured."""

    signer: Ed25519PrivateKey | None = None
    verifier: Ed25519PublicKey | None = None


def _raw(text: str) -> bytes | None:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == RAW_KEY_BYTES else None


def _pem(text: str, variable: str) -> bytes:
    path = Path(text.strip()).expanduser()
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"{variable} is neither base64 of a {RAW_KEY_BYTES}-byte Ed25519 key nor a readable "
            f"PEM file ({type(exc).__name__})"
        ) from None


def _private(text: str) -> Ed25519PrivateKey:
    variable = "AUDIT_SIGNING_KEY"
    raw = _raw(text)
    if raw is not None:
        return Ed25519PrivateKey.from_private_bytes(raw)
    try:
        key = serialization.load_pem_private_key(_pem(text, variable), password=None)
    except (ValueError, TypeError):
        raise ConfigError(f"{variable}: the PEM file holds no unencrypted private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigError(f"{variable}: the PEM file's key is not an Ed25519 key")
    return key


def _public(text: str) -> Ed25519PublicKey:
    variable = "AUDIT_VERIFY_KEY"
    raw = _raw(text)
    if raw is not None:
        return Ed25519PublicKey.from_public_bytes(raw)
    try:
        key = serialization.load_pem_public_key(_pem(text, variable))
    except (ValueError, TypeError):
        raise ConfigError(f"{variable}: the PEM file holds no public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError(f"{variable}: the PEM file's key is not an Ed25519 key")
    return key


def load_keys(signing: str | None, verify: str | None) -> AuditKeys:
    """Parse the configured keys; a verify key that is not the signing key's is refused too
    (the trail would be signed with one key and checked with another)."""
    signer = _private(signing) if signing else None
    verifier = _public(verify) if verify else None
    if signer is not None:
        own = signer.public_key()
        if verifier is not None and public_text(verifier) != public_text(own):
            raise ConfigError("AUDIT_VERIFY_KEY is not the public half of AUDIT_SIGNING_KEY")
        verifier = own
    return AuditKeys(signer, verifier)


def new_key_pair() -> tuple[str, str]:
    """A fresh key pair as (private, public), each base64 of its raw bytes."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return base64.b64encode(private).decode(), public_text(key.public_key())


def public_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def key_id(key: Ed25519PublicKey) -> str:
    """A short name for a public key (the first 16 hex digits of its SHA-256), for digests and
    messages: which key signed."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(key: Ed25519PrivateKey, purpose: bytes, message: bytes) -> str:
    """The base64 signature of ``message`` for ``purpose`` (a fixed label, so a row's signature
    can never pass for a digest's or the other way round)."""
    return base64.b64encode(key.sign(purpose + b"\n" + message)).decode()


def signature_valid(key: Ed25519PublicKey, purpose: bytes, message: bytes, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature, validate=True), purpose + b"\n" + message)
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True
