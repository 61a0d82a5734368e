"""The account sync job's worker: syncs the connected accounts of one queued accounts-registry shard."""

from goalpost.edges.jobs import queue_worker
from goalpost.services.account_sync import handle_message

handler = queue_worker("account_sync_worker", handle_message)
