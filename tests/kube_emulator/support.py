"""Helpers for the Kubernetes emulator's tests: the ``Status`` a refused call got."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from kubernetes.client import ApiException


def refusal(call: Callable[[], Any]) -> tuple[int, dict[str, Any]]:
    """Run a client call that must fail; its HTTP status and decoded ``Status`` body."""
    with pytest.raises(ApiException) as caught:
        call()
    body = json.loads(caught.value.body)
    assert body["kind"] == "Status"
    assert body["code"] == caught.value.status
    return int(caught.value.status), body


def revision(obj: Any) -> str:
    return str(obj.metadata.annotations["deployment.kubernetes.io/revision"])


def image(obj: Any) -> str:
    return str(obj.spec.template.spec.containers[0].image)
