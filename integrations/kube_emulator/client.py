"""A small synchronous client for the control API (the standard library's HTTP, so tools and
tests that drive the synchronous ``kubernetes`` client can use it from the same thread)."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

__all__ = ["ControlClient", "ControlError"]


class ControlError(RuntimeError):
    """The control API refused a request; ``code`` is its error."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class ControlClient:
    def __init__(
        self, base_url: str, *, timeout: float = 10.0, ca_file: Path | None = None
    ) -> None:
        """``ca_file``: the authority to trust when the emulator serves https."""
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._context = ssl.create_default_context(cafile=str(ca_file)) if ca_file else None

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.base_url}/emulator/api/{path}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(
                request, timeout=self.timeout, context=self._context
            ) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            with exc:
                answer = json.loads(exc.read() or b"{}")
            code = str(answer.get("error", "")) if isinstance(answer, dict) else ""
            detail = answer.get("detail", "") if isinstance(answer, dict) else ""
            raise ControlError(f"{path}: HTTP {exc.code} {code}: {detail}", code) from None

    def stats(self) -> dict[str, Any]:
        """``calls`` per verb and resource (``list pods``), ``fault_hits``, ``resource_version``."""
        answer: dict[str, Any] = self._call("GET", "stats")
        return answer

    def changes(self, since: int = 0) -> list[dict[str, Any]]:
        """Writes after resourceVersion ``since``: ``resource_version, verb, resource, namespace,
        name, actor`` (``client`` or ``controller``), ``patch_type``, ``subresource``."""
        answer = self._call("GET", f"changes?since={since}")
        changes: list[dict[str, Any]] = answer["changes"]
        return changes

    def set_faults(self, *faults: dict[str, Any]) -> None:
        """Replace the fault rules: ``{"method", "path", "fault": "hang"|"500"|"429",
        "times"?}``; none: the API behaves again (and hung requests are let go)."""
        self._call("POST", "faults", {"faults": list(faults)})

    def access(self) -> list[dict[str, Any]]:
        """Every request RBAC allowed: ``user, verb, group, resource`` (with its subresource),
        ``namespace`` ("" at the cluster scope) and ``count``."""
        answer = self._call("GET", "access")
        records: list[dict[str, Any]] = answer["access"]
        return records

    def set_rollout_reads(self, reads: int) -> None:
        self._call("POST", "rollout", {"reads": reads})
