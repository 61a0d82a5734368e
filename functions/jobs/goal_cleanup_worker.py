"""The goal-cleanup job's worker: deletes one deleted goal's progress entries and funding links, then its tombstone."""

from goalpost.edges.jobs import queue_worker
from goalpost.services.goal_cleanup import handle_message

handler = queue_worker("goal_cleanup_worker", handle_message)
