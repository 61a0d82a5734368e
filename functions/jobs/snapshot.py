"""The snapshot job's coordinator (its schedule is in goalpost.declaration): queues one message per registry shard."""

from goalpost.edges.jobs import job_handler
from goalpost.services.fanout import queue_snapshots

handler = job_handler("snapshot", queue_snapshots, tells_scheduled=True)
