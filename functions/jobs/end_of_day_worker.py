"""The end_of_day_goals job's worker: evaluates the goals of one queued batch of users."""

from goalpost.edges.jobs import queue_worker
from goalpost.services.end_of_day import handle_message

handler = queue_worker("end_of_day_worker", handle_message)
