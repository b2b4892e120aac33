"""Structured logs: every line is one JSON object, ours and the libraries', with the bound
incident and Slack ids, and no configured secret ever appears in one."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from bot.settings import load_settings
from bot.telemetry.logs import REDACTED, Redactor, bound_context, configure_logging
from tests.harness.logs import restored_logging

SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-1111-very-secret-bot",
    "SLACK_APP_TOKEN": "xapp-2222-very-secret-app",
    "GENERIC_WEBHOOK_SECRET": "generic-s3cret",
    "ALERTMANAGER_WEBHOOK_SECRET": 'am"quote\\slash',
    "DATABASE_URL": "postgresql+asyncpg://bot:p%40ss-w0rd-xyz@db.internal:5432/bot",
}
PLAIN_SECRETS = [
    "xoxb-1111-very-secret-bot",
    "xapp-2222-very-secret-app",
    "generic-s3cret",
    'am"quote\\slash',
    "p@ss-w0rd-xyz",
    "p%40ss-w0rd-xyz",
]


@pytest.fixture(autouse=True)
def _restore_logging(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # no stray .env file
    with restored_logging():
        yield
    structlog.contextvars.clear_contextvars()


@pytest.fixture
def stream(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    output = io.StringIO()
    configure_logging(level="DEBUG", secrets=settings.secret_values(), stream=output)
    return output


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_the_settings_know_every_secret_including_the_database_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    assert set(load_settings().secret_values()) == set(PLAIN_SECRETS)


def test_a_library_record_is_one_json_line_with_level_and_logger(stream: io.StringIO) -> None:
    logging.getLogger("aiohttp.server").warning("peer closed after %d bytes", 12)
    (line,) = _lines(stream)
    assert line["message"] == "peer closed after 12 bytes"
    assert line["level"] == "warning"
    assert line["logger"] == "aiohttp.server"
    assert line["timestamp"].endswith("Z")


def test_a_structlog_record_keeps_its_fields(stream: io.StringIO) -> None:
    structlog.get_logger("bot.test").info("packet posted", channel="C1", revision=2)
    (line,) = _lines(stream)
    assert (line["message"], line["channel"], line["revision"]) == ("packet posted", "C1", 2)


def test_bound_ids_are_on_every_line_inside_the_block_and_gone_after(
    stream: io.StringIO,
) -> None:
    log = logging.getLogger("bot.pipeline")
    with bound_context(incident_id=42, slack_envelope_id="env-1", slack_delivery=None):
        log.info("inside")
    log.info("outside")
    inside, outside = _lines(stream)
    assert inside["incident_id"] == 42
    assert inside["slack_envelope_id"] == "env-1"
    assert "slack_delivery" not in inside
    assert "incident_id" not in outside


async def test_bound_ids_follow_into_tasks_started_inside_the_block(stream: io.StringIO) -> None:
    async def work() -> None:
        await asyncio.sleep(0)
        logging.getLogger("slack_bolt").info("listener ran")

    with bound_context(incident_id=7):
        task = asyncio.create_task(work())
    await task
    (line,) = [line for line in _lines(stream) if line["logger"] == "slack_bolt"]
    assert line["incident_id"] == 7


@pytest.mark.parametrize("secret", PLAIN_SECRETS)
def test_no_configured_secret_reaches_a_log_line_however_it_is_logged(
    stream: io.StringIO, secret: str
) -> None:
    log = logging.getLogger("slack_sdk.web")
    log.info("token %s", secret)
    log.info(f"url http://x/?q={secret}")
    log.info("extra", extra={"authorization": f"Bearer {secret}"})
    structlog.get_logger("bot").warning("bound", token=secret, nested={"k": [secret]})
    try:
        raise RuntimeError(f"connect failed for {secret}")
    except RuntimeError:
        log.exception("failed")
    text = stream.getvalue()
    assert secret not in text
    assert json.dumps(secret)[1:-1] not in text
    assert text.count(REDACTED) >= 6
    assert all(isinstance(line, dict) for line in _lines(stream))


def test_a_secret_inside_a_longer_one_does_not_leave_a_fragment() -> None:
    redact = Redactor(["abc", "xxabcxx"])
    assert redact("see xxabcxx and abc") == f"see {REDACTED} and {REDACTED}"


def test_with_no_secrets_configured_lines_pass_unchanged() -> None:
    assert Redactor(["", ""])("nothing to hide") == "nothing to hide"
