"""The payments namespace of the emulator's tests, with a nightly export CronJob whose last run
failed on a lagging source replica, and the ConfigMap that names its source."""

from __future__ import annotations

from datetime import datetime

from bot.action.plan import ActionParameters, ActionTarget
from bot.scenario.schemas import Cluster, ClusterConfigMap, ClusterCronJob
from tests.kube_emulator.conftest import NOW, payments

EXPORT = ActionTarget("payments", "ledger-export")
EXPORT_CONFIG = ActionTarget("payments", "ledger-export-config")
LAGGING, HEALTHY = "db-replica-2", "db-replica-1"
SWITCH = ActionParameters(key="SOURCE_DB_HOST", value=HEALTHY)
LAST_RUN_AT: datetime = NOW.replace(hour=13, minute=30)


def with_export(cluster: Cluster | None = None) -> Cluster:
    base = cluster or payments()
    return base.model_copy(
        update={
            "config_maps": (
                ClusterConfigMap(
                    namespace="payments",
                    name=EXPORT_CONFIG.name,
                    data={"SOURCE_DB_HOST": LAGGING, "BATCH_SIZE": "5000"},
                ),
            ),
            "cron_jobs": (
                ClusterCronJob(
                    namespace="payments",
                    name=EXPORT.name,
                    schedule="30 1 * * *",
                    image="acme/ledger-export:3.2.0",
                    config_map=EXPORT_CONFIG.name,
                    fails_when={"SOURCE_DB_HOST": LAGGING},
                    last_run="failed",
                    last_run_at=LAST_RUN_AT,
                ),
            ),
        }
    )
