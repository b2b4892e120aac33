"""Cause detectors, one module each: every detector reads the case's facts
(:class:`~bot.analysis.values.CaseFacts`) and proposes hypotheses of one kind, each citing the
evidence it used with the weight :mod:`bot.analysis.weights` gives it.

Adding a source of evidence or a principle is adding a module here and a line to
:data:`DETECTORS` (or a citation to an existing detector), never editing the ranking in
:mod:`bot.analysis.hypotheses`.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.analysis.detectors.alert import alert_hypotheses
from bot.analysis.detectors.config import (
    config_hypotheses,
    credential_hypotheses,
    platform_hypotheses,
)
from bot.analysis.detectors.config_push import config_push_hypotheses
from bot.analysis.detectors.dependency import dependency_hypotheses
from bot.analysis.detectors.deploy import deploy_hypotheses
from bot.analysis.detectors.flag import flag_hypotheses
from bot.analysis.detectors.kubernetes import kubernetes_hypotheses
from bot.analysis.detectors.latent import latent_hypotheses
from bot.analysis.detectors.maintenance import maintenance_hypotheses
from bot.analysis.detectors.outside_in import outside_in_hypotheses
from bot.analysis.detectors.resource import resource_hypotheses
from bot.analysis.detectors.security import security_hypotheses
from bot.analysis.detectors.traffic import traffic_hypotheses
from bot.analysis.detectors.unknown import unknown_hypothesis
from bot.analysis.values import CaseFacts, Hypothesis

__all__ = ["DETECTORS", "Detector", "unknown_hypothesis"]

Detector = Callable[[CaseFacts], list[Hypothesis]]

DETECTORS: tuple[Detector, ...] = (
    deploy_hypotheses,
    dependency_hypotheses,
    outside_in_hypotheses,
    resource_hypotheses,
    alert_hypotheses,
    kubernetes_hypotheses,
    config_hypotheses,
    config_push_hypotheses,
    credential_hypotheses,
    platform_hypotheses,
    flag_hypotheses,
    latent_hypotheses,
    maintenance_hypotheses,
    traffic_hypotheses,
    security_hypotheses,
)
