"""PagerDuty: writing back to the PagerDuty incident an incident of ours came from (a note with
the packet, acknowledge, resolve) and paging a service's owner through the Events API v2."""
