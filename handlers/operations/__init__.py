"""Operations, inbound: readiness and metrics for the orchestrator and the scraper, and the
alert counts taken from what each webhook answered."""

from handlers.operations.in_flight import InFlightRequests
from handlers.operations.routes import OperationsDeps, add_operations_routes

__all__ = ["InFlightRequests", "OperationsDeps", "add_operations_routes"]
