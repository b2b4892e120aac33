"""PagerDuty's REST API v2 and Events API v2 for the core's write-back and paging ports."""

from integrations.pagerduty.client import PagerDutyClient

__all__ = ["PagerDutyClient"]
