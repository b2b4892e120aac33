"""The audit trail's part of start-up and shutdown: the key from the settings, and ``serve``'s
digests (one at start, one every ``AUDIT_DIGEST_SECONDS``, one at stop)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit.flows import digest_forever, take_digest
from bot.audit.keys import AuditKeys, key_id, load_keys
from bot.audit.writer import use_signing_key
from bot.clock import Clock
from bot.errors import AuditTrailError, ConfigError
from bot.settings import Settings

__all__ = ["DigestSchedule", "audit_keys", "configure_audit"]

log = logging.getLogger(__name__)


def audit_keys(settings: Settings) -> AuditKeys:
    """The configured keys; :class:`ConfigError` (naming the variable, never the value) when one
    does not parse."""
    signing = settings.audit_signing_key
    return load_keys(signing.get_secret_value() if signing else None, settings.audit_verify_key)


def configure_audit(settings: Settings) -> AuditKeys:
    """Load the keys and sign this process's audit rows with the signing key, if any."""
    keys = audit_keys(settings)
    use_signing_key(keys.signer)
    if keys.verifier is not None:
        log.info(
            "audit rows %s, key %s",
            "signed" if keys.signer else "not signed (verify key only)",
            key_id(keys.verifier),
        )
    return keys


class DigestSchedule:
    """``serve``'s digests of the trail into ``folder``."""

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        signer: Ed25519PrivateKey,
        folder: Path,
        clock: Clock,
        interval: float,
    ) -> None:
        self._sessions = sessions
        self._signer = signer
        self._folder = folder
        self._clock = clock
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def _take(self) -> None:
        await take_digest(
            sessions=self._sessions, signer=self._signer, folder=self._folder, clock=self._clock
        )

    async def start(self) -> None:
        """Take a digest now (a folder that cannot be written, or whose newest digest another
        key signed, stops start-up), then one every interval."""
        try:
            await self._take()
        except (AuditTrailError, OSError) as exc:
            raise ConfigError(f"AUDIT_DIGEST_DIR {self._folder}: {exc}") from None
        self._task = asyncio.create_task(
            digest_forever(
                sessions=self._sessions,
                signer=self._signer,
                folder=self._folder,
                clock=self._clock,
                interval=self._interval,
            ),
            name="audit-digests",
        )

    async def stop(self) -> None:
        """Stop the schedule and take a last digest (a failure is logged)."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        try:
            await self._take()
        except (AuditTrailError, OSError) as exc:
            log.error("audit digest at shutdown failed: %s", exc)
