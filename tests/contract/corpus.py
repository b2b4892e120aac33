"""The vendor payload corpus (``shared/vendor-payloads/``): where it is, what each entry expects,
and the exact headers each vendor sends with a body.

The corpus is read where it lies, never copied into the project. It sits in ``shared/`` beside
the repository: ``<repo>/../shared`` in a clone (CI puts a copy of ``shared/`` there), and beside
the main checkout for a git worktree. ``VENDOR_PAYLOADS`` names another place.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["SECRET", "VENDORS", "Entry", "corpus_root", "entries", "headers_for"]

SECRET = "vendor-corpus-secret"
VENDORS = ("alertmanager", "grafana", "pagerduty", "datadog", "sentry", "github")
REPOSITORY = Path(__file__).resolve().parents[2]


def _beside_main_checkout(repository: Path) -> Path | None:
    """For a git worktree (``.git`` is a file naming ``<main>/.git/worktrees/<name>``), the
    folder that holds the main checkout."""
    marker = repository / ".git"
    if not marker.is_file():
        return None
    text = marker.read_text(encoding="utf-8").strip()
    if not text.startswith("gitdir:"):
        return None
    gitdir = Path(text.removeprefix("gitdir:").strip())
    return gitdir.parents[2].parent if len(gitdir.parents) >= 3 else None


def corpus_root() -> Path | None:
    """The corpus folder, or None when it is nowhere to be found."""
    candidates = []
    if named := os.environ.get("VENDOR_PAYLOADS"):
        candidates.append(Path(named))
    candidates.append(REPOSITORY.parent / "shared" / "vendor-payloads")
    if (beside := _beside_main_checkout(REPOSITORY)) is not None:
        candidates.append(beside / "shared" / "vendor-payloads")
    return next((path for path in candidates if (path / "README.md").is_file()), None)


@dataclass(frozen=True, slots=True)
class Entry:
    """One manifest entry: the body as the vendor sends it, and what the bot should do."""

    vendor: str
    file: str
    expect: str  # fire, resolve, ignore, duplicate, reject
    body: bytes
    meta: dict[str, Any]

    @property
    def name(self) -> str:
        return f"{self.vendor}/{self.file}"


def _body(folder: Path, file: str) -> bytes:
    if "#" not in file:
        return (folder / file).read_bytes()
    # GitHub's examples: "<index>.json#<event>/<n>", the n-th example of that event.
    path, _, anchor = file.partition("#")
    event, _, number = anchor.rpartition("/")
    index = _index(folder / path)
    return json.dumps(index[event][int(number)]).encode()


_INDEXES: dict[Path, dict[str, list[Any]]] = {}


def _index(path: Path) -> dict[str, list[Any]]:
    if path not in _INDEXES:
        items = json.loads(path.read_text(encoding="utf-8"))
        _INDEXES[path] = {item["name"]: item["examples"] for item in items}
    return _INDEXES[path]


def entries(root: Path, vendor: str) -> list[Entry]:
    """The vendor's manifest, in its order (a ``duplicate`` repeats an entry before it)."""
    folder = root / vendor
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return [
        Entry(vendor, item["file"], item["expect"], _body(folder, item["file"]), item)
        for item in manifest
    ]


def _hex(body: bytes) -> str:
    return hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def headers_for(entry: Entry, *, now: datetime) -> dict[str, str]:
    """What the vendor, configured with :data:`SECRET`, sends with the body."""
    body, headers = entry.body, {"Content-Type": "application/json"}
    delivery = str(uuid.UUID(bytes=hashlib.sha256(body).digest()[:16]))
    if entry.vendor == "alertmanager":
        headers["Authorization"] = f"Bearer {SECRET}"
    elif entry.vendor == "grafana":
        auth = entry.meta.get("auth", "bearer")
        if auth == "hmac-ts":
            stamp = str(int(now.timestamp()))
            headers["X-Grafana-Alerting-Timestamp"] = stamp
            headers["X-Grafana-Alerting-Signature"] = _hex(stamp.encode() + b":" + body)
        elif auth == "basic":
            token = base64.b64encode(f"grafana:{SECRET}".encode()).decode()
            headers["Authorization"] = f"Basic {token}"
        else:
            headers["Authorization"] = f"Bearer {SECRET}"
    elif entry.vendor == "pagerduty":
        headers["X-PagerDuty-Signature"] = f"v1={_hex(body)}"
    elif entry.vendor == "datadog":
        headers["X-Incident-Bot-Secret"] = SECRET
    elif entry.vendor == "sentry":
        headers["Sentry-Hook-Resource"] = entry.meta["resource"]
        headers["Request-ID"] = uuid.UUID(delivery).hex
        headers["Sentry-Hook-Timestamp"] = str(int(now.timestamp()))
        headers["Sentry-Hook-Signature"] = _hex(body)
    elif entry.vendor == "github":
        headers["X-GitHub-Event"] = entry.meta["event"]
        headers["X-GitHub-Delivery"] = delivery
        headers["X-Hub-Signature-256"] = f"sha256={_hex(body)}"
    else:  # pragma: no cover - VENDORS lists every vendor above
        raise ValueError(entry.vendor)
    return headers
