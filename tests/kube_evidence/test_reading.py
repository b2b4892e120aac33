"""How the client's objects read as evidence, on the SDK's own model objects (no server)."""

from __future__ import annotations

from datetime import UTC, datetime

from kubernetes import client

from integrations.kubernetes.reading import pod_state, workload_event

EARLY = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
LATE = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)


def ended(reason: str, at: datetime) -> client.V1ContainerState:
    return client.V1ContainerState(
        terminated=client.V1ContainerStateTerminated(exit_code=1, reason=reason, finished_at=at)
    )


def container(
    name: str,
    restarts: int,
    *,
    state: client.V1ContainerState | None = None,
    last: client.V1ContainerState | None = None,
) -> client.V1ContainerStatus:
    return client.V1ContainerStatus(
        name=name,
        image="x",
        image_id="",
        ready=False,
        restart_count=restarts,
        state=state,
        last_state=last,
    )


def test_restarts_add_up_and_the_latest_termination_gives_the_reason() -> None:
    pod = client.V1Pod(
        metadata=client.V1ObjectMeta(name="api-1", namespace="web"),
        status=client.V1PodStatus(
            phase="Failed",
            container_statuses=[
                container("api", 4, last=ended("OOMKilled", EARLY)),
                container("sidecar", 1, state=ended("Error", LATE)),
            ],
        ),
    )
    state = pod_state(pod, "api")
    assert (state.phase, state.ready, state.restarts) == ("Failed", False, 5)
    assert (state.last_termination_reason, state.last_terminated_at) == ("Error", LATE)


def test_a_pod_that_never_ended_has_no_termination_reason() -> None:
    pod = client.V1Pod(
        metadata=client.V1ObjectMeta(name="api-2", namespace="web"),
        status=client.V1PodStatus(
            phase="Running",
            conditions=[client.V1PodCondition(type="Ready", status="True")],
            container_statuses=[container("api", 0)],
        ),
    )
    state = pod_state(pod, None)
    assert (state.ready, state.restarts, state.last_termination_reason) == (True, 0, None)


def test_an_event_without_a_last_timestamp_falls_back_to_its_event_time() -> None:
    event = client.CoreV1Event(
        metadata=client.V1ObjectMeta(name="e", namespace="web"),
        involved_object=client.V1ObjectReference(kind="Pod", name="api-1"),
        event_time=LATE,
        type="Warning",
        reason="OOMKilling",
        message="Memory cgroup out of memory",
    )
    found = workload_event(event)
    assert found is not None
    assert (found.at, found.object, found.count) == (LATE, "pod/api-1", 1)
