"""``python -m integrations.kube_emulator``: run the Kubernetes API emulator alone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from pathlib import Path

import yaml

from bot.errors import ConfigFileError
from integrations.kube_emulator.rbac import User, load_rbac, service_account
from integrations.kube_emulator.seed import SeedError, load_cluster_file
from integrations.kube_emulator.server import KubeEmulatorConfig, serve_forever

__all__ = ["main"]


def _service_account(raw: str) -> tuple[str, User]:
    token, _, account = raw.partition("=")
    namespace, _, name = account.partition("/")
    if not (token and namespace and name):
        raise ValueError(f"--service-account {raw!r}: give TOKEN=NAMESPACE/NAME")
    return token, service_account(namespace, name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m integrations.kube_emulator",
        description="A local Kubernetes API: Deployments, ReplicaSets, Pods, Events.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=6443, help="0 for any free port")
    parser.add_argument("--token", default="kube-emulator-token", help="the bearer token")
    parser.add_argument(
        "--seed",
        type=Path,
        help="a scenario file (its cluster section) or a YAML file of deployments, pods, events",
    )
    parser.add_argument(
        "--rollout-reads", type=int, default=0, help="reads of a Deployment before a rollout ends"
    )
    parser.add_argument(
        "--tls-dir",
        type=Path,
        help="serve https with a CA and certificate generated into this folder (kubectl sends "
        "its token over https only)",
    )
    parser.add_argument(
        "--kubeconfig",
        type=Path,
        help="write a kubeconfig for kubectl here (with --tls-dir: trusting the generated CA)",
    )
    parser.add_argument(
        "--rbac",
        type=Path,
        action="append",
        default=[],
        help="a YAML file or folder of Roles, ClusterRoles and bindings (deploy/kubernetes/): "
        "tokens other than --token are held to them; repeatable",
    )
    parser.add_argument(
        "--service-account",
        action="append",
        default=[],
        metavar="TOKEN=NAMESPACE/NAME",
        help="a token that authenticates as that ServiceAccount; repeatable",
    )
    args = parser.parse_args(argv)
    try:
        seed = load_cluster_file(args.seed) if args.seed is not None else None
        config = KubeEmulatorConfig(
            host=args.host,
            port=args.port,
            token=args.token,
            rollout_reads=args.rollout_reads,
            tls_dir=args.tls_dir,
            users=dict(_service_account(raw) for raw in args.service_account),
            rbac=load_rbac(args.rbac) if args.rbac else None,
        )
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve_forever(config, seed, kubeconfig=args.kubeconfig))
    except (ConfigFileError, SeedError, ValueError, OSError, yaml.YAMLError) as exc:
        print(exc, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
