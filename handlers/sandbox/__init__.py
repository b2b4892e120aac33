"""Sandbox mode, inbound: the read-only incidents endpoint the sandbox console shows."""

from handlers.sandbox.routes import SandboxDeps, add_sandbox_routes

__all__ = ["SandboxDeps", "add_sandbox_routes"]
