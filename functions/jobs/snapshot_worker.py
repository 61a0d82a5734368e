"""The snapshot job's worker: values the portfolios of one queued registry shard and records their snapshots."""

from goalpost.edges.jobs import queue_worker
from goalpost.services.snapshots import handle_message

handler = queue_worker("snapshot_worker", handle_message)
