"""Every weight the cause detectors give a piece of evidence, in one table.

A hypothesis's confidence is the sum of the weights of the citations for it, minus those
against it, clamped to [0, ``MAX_CONFIDENCE``] (:func:`bot.analysis.citing.hypothesis`); each
citation carries its weight, so the packet (and anyone auditing it) can see why a cause ranks
where it does. Log evidence counts in full only when its template is new in the incident
window; a recurring template counts for ``RECURRING_FACTOR`` of the weight.

The detectors (one module each under :mod:`bot.analysis.detectors`) read their numbers from
:data:`W` and nowhere else: tuning the ranking is editing this file, and a reviewer sees every
trade-off side by side. ``for`` weights add, ``against`` weights subtract; every value is
positive.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["MAX_CONFIDENCE", "RECURRING_FACTOR", "UNKNOWN_CONFIDENCE", "W", "Weights"]

MAX_CONFIDENCE = 0.95
RECURRING_FACTOR = 0.3
UNKNOWN_CONFIDENCE = 0.15  # the floor every named cause must beat


@dataclass(frozen=True, slots=True)
class Weights:
    """The table. Names read ``<cause>_<evidence>``; the comment says what earns it."""

    # deploy: for
    deploy_close: float = 0.45  # landed at the first anomaly; falls to 0 at the 2-hour window
    deploy_latest: float = 0.10  # the latest candidate
    deploy_file_named: float = 0.25  # a changed file named in an error line
    deploy_new_errors: float = 0.15  # new error templates first seen after it
    deploy_failed: float = 0.20  # the deploy itself failed
    deploy_opened_exposure: float = 0.30  # customer data began going astray after it landed
    deploy_brought_saturation: float = 0.30  # a resource saturated only after it, load flat
    # deploy: against
    deploy_later_candidate: float = 0.10  # another deploy landed closer
    deploy_errors_before: float = 0.15  # new errors began before it landed
    deploy_no_new_errors: float = 0.10  # no new error template since it landed
    deploy_dependency_failing: float = 0.15  # errors or traces name a failing dependency
    deploy_webhook_refused: float = 0.30  # its objects were refused by a failing webhook
    deploy_fetch_failed: float = 0.35  # its build failed fetching a package it did not ask for
    deploy_error_elsewhere: float = 0.30  # the same error hits a service that did not deploy
    deploy_untouched_credential: float = 0.35  # the errors are a credential it did not change
    deploy_after_dependency: float = 0.35  # the dependency the errors fail at failed first
    deploy_inert_change: float = 0.35  # it changed only docs, tests or copy: cannot break code
    deploy_after_anomaly: float = 0.30  # a symptom series left its baseline before it landed
    deploy_other_change: float = 0.20  # a configuration push or flag explains it better
    deploy_ran_quiet: float = 0.45  # it ran quietly until a later change began the trouble
    # a deploy or flag change older than the window whose step in the errors stayed up since
    latent_onset: float = 0.55
    latent_same_load: float = 0.55  # a RED symptom twice its level before it, at the same load
    # a maintenance window that a resource's climb began with (load flat)
    maintenance_change: float = 0.30
    maintenance_climb: float = 0.30
    resource_after_maintenance: float = 0.30  # against a resource cause: it began with it
    # config / flag
    config_logged: float = 0.35  # the service logged a configuration reload or flag change
    config_push: float = 0.45  # an alert or log line names a config push (DNS, cert, proxy)
    config_push_failing: float = 0.15  # ... and errors say the pushed thing fails
    flag_changed: float = 0.40  # a flag that may touch the service changed in the window
    flag_close: float = 0.15  # within 30 minutes of the first anomaly
    flag_targets_service: float = 0.10  # it names the service (not global)
    credential_alert: float = 0.40  # an alert says a certificate or credential failed
    credential_logs: float = 0.25  # error lines say so
    platform_mismatch: float = 0.35  # code built for another architecture or libc failed to load
    # dependency
    dependency_named: float = 0.20  # error lines name a declared dependency
    dependency_failure_words: float = 0.35  # ... with failure words (timeout, refused...)
    dependency_spiked: float = 0.30  # its own series spiked
    dependency_spiked_first: float = 0.10  # ... before the service's trouble
    dependency_alert: float = 0.20  # an alert from it in the incident
    dependency_only_one: float = 0.20  # failure words while the service has one dependency
    dependency_traces_trouble: float = 0.40  # a fifth or more of traced calls failed or slow
    dependency_traces_some: float = 0.15  # fewer than a fifth
    dependency_traces_healthy: float = 0.30  # against: all of at least two calls fine
    dependency_deploy_near: float = 0.10  # against: a deploy candidate
    dependency_own_lines: float = 0.35  # its own lines say it is blocked (lock waits, no slots)
    dependency_own_lines_name: float = 0.35  # its own lines name the host or certificate failing
    dependency_behind_pool: float = 0.15  # ... and the service's exhausted pool holds calls to it
    dependency_follows_load: float = 0.25  # against: the service's own load surged first
    dependency_after_deploy: float = 0.30  # against: its trouble is the service's deploy's doing
    dependency_after_push: float = 0.50  # against: a config push to it (or under it) came first
    dependency_alert_names: float = 0.30  # the alert itself names the dependency failing
    dependency_source_job: float = 0.35  # a job failed reading a stale or lagging source
    dependency_outside_in: float = 0.45  # outside-in check fails, own metrics healthy
    deploy_healthy_inside: float = 0.30  # against a deploy: the service's own metrics healthy
    # resource
    resource_logs: float = 0.45  # error lines of memory, disk or pool exhaustion
    resource_saturated: float = 0.30  # a saturation series rose by 30% or reached 90 %
    resource_pod_oom: float = 0.45  # a pod of the service last ended OOMKilled
    resource_pod_restarts: float = 0.10  # ... restarted POD_RESTARTS times or more
    resource_alert: float = 0.45  # the alert itself says a resource is exhausted
    resource_trend: float = 0.30  # a saturation series climbs steadily toward its limit
    resource_follows_load: float = 0.25  # against: it rose after the service's load rose
    resource_after_deploy: float = 0.30  # against: it rose only after a deploy, load flat
    # Kubernetes reasons (pods, events), per cause of the reasons table
    kube_reason: float = 0.40  # a pod state or event whose reason names a cause
    webhook_configured: float = 0.30  # a webhook configuration applied before its calls failed
    kube_reason_repeated: float = 0.10  # ... on several pods, or a crash loop
    # traffic
    traffic_spiked: float = 0.50  # a request-rate series spiked
    traffic_rate_limited: float = 0.15  # rate-limiting lines
    traffic_alert: float = 0.30  # the alert itself says load or requests surged
    traffic_first: float = 0.20  # load rose before saturation: the load is the cause
    traffic_deploy_near: float = 0.10  # against: a deploy candidate
    # security
    security_alert: float = 0.50  # an alert worded as a security finding
    security_logs: float = 0.25  # security words in error lines
    security_wrong_owner: float = 0.55  # data served to someone other than its owner
    security_foreign_code: float = 0.55  # code nobody shipped runs (a process not in its image)
    security_credential_explained: float = 0.30  # against: a certificate/credential failure
    security_release_opened: float = 0.20  # against: a release just before the exposure opened it
    # unknown
    unknown_floor: float = UNKNOWN_CONFIDENCE


W = Weights()
