"""The account sync job's coordinator (its schedule is in goalpost.declaration): queues one message per
accounts-registry shard."""

from goalpost.edges.jobs import job_handler
from goalpost.services.fanout import queue_account_sync

handler = job_handler("account_sync", queue_account_sync)
